// Copies the npm-installed libraries Clientela serves into build/vendor/vendor/, where Django's
// static files finder picks them up. Nothing third-party is committed to the repository.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = [["node_modules/htmx.org/dist/htmx.min.js", "htmx.min.js"]];
const target = join(root, "build", "vendor", "vendor");
mkdirSync(target, { recursive: true });
for (const [from, to] of files) {
  copyFileSync(join(root, from), join(target, to));
  console.log(`copied ${from} -> build/vendor/vendor/${to}`);
}
