import type { AppDeps } from "#src/app-deps.ts";
import type { Product } from "#src/domain/product.ts";
import { newId } from "#src/domain/token.ts";
import { bucketPrefixes } from "#src/storage/bucket-layout.ts";
import { gradientPng } from "./demo-files.ts";

interface DemoProduct {
  author: "user1" | "user2";
  title: string;
  description: string;
  priceAmount: number;
  colours: [[number, number, number], [number, number, number]];
  filename: string;
  contentType: string;
  body: string;
}

const demoProducts: DemoProduct[] = [
  {
    author: "user1",
    title: "Signed URLs cheat sheet",
    description: "One page on presigning GETs and PUTs with the AWS SDK v3: expiry, headers, pitfalls.",
    priceAmount: 499,
    colours: [
      [11, 95, 255],
      [120, 200, 255],
    ],
    filename: "signed-urls-cheat-sheet.md",
    contentType: "text/markdown",
    body: "# Signed URLs cheat sheet\n\n- Presign close to use; keep validity short.\n- Sign content-type and content-length on uploads.\n",
  },
  {
    author: "user1",
    title: "S3 CORS recipes",
    description: "Copy-paste CORS configurations for direct browser uploads and downloads.",
    priceAmount: 299,
    colours: [
      [255, 140, 0],
      [255, 220, 120],
    ],
    filename: "s3-cors-recipes.txt",
    contentType: "text/plain",
    body: "AllowedOrigins: your site only\nAllowedMethods: GET, PUT, HEAD\nExposeHeaders: ETag\n",
  },
  {
    author: "user2",
    title: "Caching signed URLs",
    description: "Why rounding the signing time makes signed URLs cacheable, and what it costs.",
    priceAmount: 799,
    colours: [
      [20, 160, 90],
      [170, 240, 190],
    ],
    filename: "caching-signed-urls.md",
    contentType: "text/markdown",
    body: "# Caching signed URLs\n\nRound the signing time down to a window; every hit in it gets the same URL.\n",
  },
  {
    author: "user2",
    title: "Upload checklist (été edition)",
    description: "A checklist for direct-to-S3 uploads: size, type, key, expiry, cleanup.",
    priceAmount: 0,
    colours: [
      [150, 40, 160],
      [240, 170, 250],
    ],
    filename: "upload-checklist-été.csv",
    contentType: "text/csv",
    body: "check,why\nsize,signed content-length\ntype,signed content-type\nkey,server-chosen\n",
  },
];

/**
 * Fills an empty shop with a few products by user1 and user2, with real images and files, so a new
 * user can buy, download and share at once. Does nothing when products already exist.
 */
export async function seedDemoData(deps: AppDeps, users: Record<"user1" | "user2", { userId: string }>) {
  const existing = await deps.stores.products.listRecent({ limit: 1 });
  if (existing.items.length > 0) return 0;
  const start = deps.clock().getTime() - demoProducts.length * 60_000;
  for (const [index, demo] of demoProducts.entries()) {
    const id = newId();
    const image = gradientPng(480, 270, ...demo.colours);
    const body = new TextEncoder().encode(demo.body);
    const imageKey = `${bucketPrefixes.files}${id}/${newId()}`;
    const fileKey = `${bucketPrefixes.files}${id}/${newId()}`;
    await deps.files.put(imageKey, image, "image/png");
    await deps.files.put(fileKey, body, demo.contentType);
    const at = new Date(start + index * 60_000).toISOString();
    const product: Product = {
      id,
      authorId: users[demo.author].userId,
      authorName: demo.author,
      title: demo.title,
      description: demo.description,
      priceAmount: demo.priceAmount,
      currency: "USD",
      image: { key: imageKey, contentType: "image/png", size: image.length, filename: "promo.png" },
      deliverable: {
        key: fileKey,
        contentType: demo.contentType,
        size: body.length,
        filename: demo.filename,
      },
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    await deps.stores.products.create(product);
  }
  return demoProducts.length;
}
