import { api, unwrap } from "../api/client.ts";
import { ProductForm } from "../components/product-form.tsx";
import { Show } from "../components/status.tsx";
import { getConfig } from "../lib/config.ts";
import { navigate } from "../lib/router.tsx";
import { useLoad } from "../lib/use-load.ts";

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
            onSave={async (fields) => {
              const { imageUploadId, deliverableUploadId } = fields;
              if (!imageUploadId || !deliverableUploadId) throw new Error("Both files are required.");
              const product = unwrap(
                await api.POST("/api/products", { body: { ...fields, imageUploadId, deliverableUploadId } }),
              );
              navigate(`/products/${encodeURIComponent(product.id)}`);
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
  return (
    <>
      <h1>Edit product</h1>
      <Show loaded={loaded} reload={reload} what="Loading the product">
        {({ config, product }) =>
          product.viewer?.isAuthor ? (
            <ProductForm
              key={product.version}
              config={config}
              initial={product}
              submitLabel="Save changes"
              onReload={reload}
              onSave={async (fields) => {
                unwrap(
                  await api.PATCH("/api/products/{id}", {
                    params: { path: { id } },
                    body: { ...fields, version: product.version },
                  }),
                );
                navigate(`/products/${encodeURIComponent(id)}`);
              }}
            />
          ) : (
            <p class="error" role="alert">
              Only the author of “{product.title}” can edit it.
            </p>
          )
        }
      </Show>
    </>
  );
}
