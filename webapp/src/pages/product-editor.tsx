import { api, unwrap } from "../api/client.ts";
import { ProductForm } from "../components/product-form.tsx";
import { Missing, Show } from "../components/status.tsx";
import { getConfig } from "../lib/config.ts";
import { flash, useTitle } from "../lib/page.ts";
import { navigate } from "../lib/router.tsx";
import { useLoad } from "../lib/use-load.ts";

function showSaved(path: string, message: string) {
  flash.set({ path, message });
  navigate(path, { force: true });
}

export function AddProductPage() {
  const [config, reload] = useLoad(getConfig, []);
  return (
    <>
      <h1>Add product</h1>
      <p class="muted">
        All fields are required. Files go straight to storage; the product is created when both are in.
      </p>
      <Show loaded={config} reload={reload}>
        {(cfg) => (
          <ProductForm
            config={cfg}
            submitLabel="Add product"
            cancelHref="/my/products"
            onSave={async (fields) => {
              const { imageUploadId, deliverableUploadId } = fields;
              if (!imageUploadId || !deliverableUploadId) throw new Error("Both files are required.");
              const product = unwrap(
                await api.POST("/api/products", {
                  body: {
                    ...fields,
                    imageUploadId,
                    deliverableUploadId,
                    defaultMaxClients: fields.defaultMaxClients ?? undefined,
                  },
                }),
              );
              showSaved(`/products/${encodeURIComponent(product.id)}`, "Added. Your product is on sale now.");
            }}
          />
        )}
      </Show>
    </>
  );
}

export function EditProductPage({ id }: { id: string }) {
  const [loaded, reload] = useLoad(async () => {
    const [config, product] = await Promise.all([
      getConfig(),
      api.GET("/api/products/{id}", { params: { path: { id } } }).then(unwrap),
    ]);
    return { config, product };
  }, [id]);
  useTitle(loaded.state === "ready" ? `Edit ${loaded.data.product.title}` : undefined);
  const productPath = `/products/${encodeURIComponent(id)}`;
  return (
    <Show
      loaded={loaded}
      reload={reload}
      what="Loading the product"
      missing={
        <Missing title="This product no longer exists">
          It may have been deleted, so there is nothing to edit.
        </Missing>
      }
    >
      {({ config, product }) => (
        <>
          <h1>Edit “{product.title}”</h1>
          {product.viewer?.isAuthor ? (
            <ProductForm
              key={product.version}
              config={config}
              initial={product}
              submitLabel="Save changes"
              cancelHref={productPath}
              onReload={reload}
              onSave={async (fields) => {
                unwrap(
                  await api.PATCH("/api/products/{id}", {
                    params: { path: { id } },
                    body: { ...fields, version: product.version },
                  }),
                );
                showSaved(productPath, "Saved. Your changes are live.");
              }}
            />
          ) : (
            <p class="error" role="alert">
              Only the author of “{product.title}” can edit it.
            </p>
          )}
        </>
      )}
    </Show>
  );
}
