import type { Product } from "../api/client.ts";
import { formatPrice } from "../lib/format.ts";
import { A } from "../lib/router.tsx";

export function ProductCard({ product }: { product: Product }) {
  return (
    <li class="card">
      <A href={`/products/${encodeURIComponent(product.id)}`}>
        <img src={product.imageUrl} alt="" width={320} height={180} loading="lazy" />
        <span class="card-title">{product.title}</span>
      </A>
      <span class="card-meta">
        <span class="price">{formatPrice(product.price)}</span>
        <span class="muted">by {product.author.name}</span>
      </span>
    </li>
  );
}
