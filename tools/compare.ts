/**
 * Compares two run folders: `deno task compare BASE CURRENT [--out DIR] [--accuracy-drop POINTS]
 * [--time-rise PERCENT] [--memory-rise PERCENT]`. See reports/compare_cli.ts and docs/report.md.
 *
 * @module
 */
import { compareMain } from "../reports/compare_cli.ts";

Deno.exit(await compareMain(Deno.args));
