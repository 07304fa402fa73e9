import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testApp } from "../../test/fixtures.js";
import { readinessResponseSchema } from "../response-schemas.js";

describe("GET /readyz", () => {
  let dir: string;
  let app: ReturnType<typeof testApp> | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-readyz-"));
  });
  afterEach(async () => {
    await app?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers 200 without MODEL_PATH (the model lives in memory)", async () => {
    app = testApp();
    const answer = await app.inject({ method: "GET", url: "/readyz" });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({
      ready: true,
      checks: { model: { ok: true }, store: { ok: true, path: null } },
      psi_field_connected: false,
    });
  });

  it("answers 200 when MODEL_PATH's folder is writable", async () => {
    const modelPath = join(dir, "model.json");
    app = testApp({ modelPath });
    const answer = await app.inject({ method: "GET", url: "/readyz" });
    expect(answer.statusCode).toBe(200);
    expect(answer.json().checks.store).toEqual({ ok: true, path: modelPath });
    expect(readinessResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("answers 503 naming MODEL_PATH when its folder cannot take the model", async () => {
    const modelPath = join(dir, "missing", "model.json");
    app = testApp({ modelPath });
    const answer = await app.inject({ method: "GET", url: "/readyz" });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({
      ready: false,
      checks: {
        model: { ok: true },
        store: {
          ok: false,
          path: modelPath,
          error: `MODEL_PATH ${modelPath} is not writable (ENOENT in ${join(dir, "missing")}): create the folder, fix its permissions or point MODEL_PATH elsewhere`,
        },
      },
      psi_field_connected: false,
    });
    expect(readinessResponseSchema.safeParse(answer.json()).success).toBe(true);
  });
});
