// Writes routeTree.gen.ts from routes/ with the generator the Vite plugin uses, so the type checker and
// the linter see the same route tree as the build (config: tsr.config.json).
import { Generator, getConfig } from '@tanstack/router-generator';

const root = process.cwd();
await new Generator({ config: getConfig({}, root), root }).run();
