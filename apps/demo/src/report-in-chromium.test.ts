import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { loadScenario } from "@aurora/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo } from "./run-demo.js";

const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const available = existsSync(chromium);
if (!available) {
  console.warn(
    `skipping the report-in-Chromium test: no browser at ${chromium} (install Debian's chromium, or set CHROMIUM_PATH)`,
  );
}

describe.skipIf(!available)("report.html in headless Chromium", () => {
  let dir: string;
  let dom: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "aurora-demo-chromium-"));
    const run = await runDemo({
      scenario: loadScenario("everything"),
      scenarioArg: "everything",
      decisions: 500,
      seed: 1,
      policy: "q-learning",
      outDir: dir,
      psi: false,
    });
    const { stdout } = await promisify(execFile)(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${join(dir, "profile")}`,
        // Any attempt to reach the network fails, so the page must stand on its own.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--dump-dom",
        pathToFileURL(run.reportPath).href,
      ],
      { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
    );
    dom = stdout;
  }, 90_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("renders all five charts offline", () => {
    expect(dom.match(/data-charts-rendered="(\d+)"/)?.[1] ?? "no charts rendered").toBe("5");
  });

  it("draws each chart on a canvas", () => {
    for (const id of ["regret", "shareAurora", "shareRule", "shareOracle", "epsilon"]) {
      const start = dom.indexOf(`id="${id}"`);
      expect(start).toBeGreaterThan(-1);
      expect(dom.slice(start, start + 2000).includes("<canvas"), `a canvas in #${id}`).toBe(true);
    }
  });
});
