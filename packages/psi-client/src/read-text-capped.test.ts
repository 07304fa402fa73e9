import { describe, expect, it } from "vitest";
import { PsiFetchError } from "./psi-fetch-error.js";
import { readTextCapped } from "./read-text-capped.js";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe("readTextCapped", () => {
  it("joins a body sent in chunks, multi-byte characters split across them included", async () => {
    const psi = new TextEncoder().encode("Ψ");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"name":"'));
        controller.enqueue(psi.slice(0, 1));
        controller.enqueue(psi.slice(1));
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
      },
    });
    expect(await readTextCapped(new Response(body), 100, "GET /state")).toBe('{"name":"Ψ"}');
  });

  it("reads an empty body as empty text", async () => {
    expect(await readTextCapped(new Response(null), 100, "GET /state")).toBe("");
  });

  it("accepts a body of exactly the limit", async () => {
    expect(await readTextCapped(new Response(streamOf(["12345", "67890"])), 10, "GET /state")).toBe("1234567890");
  });

  it("refuses a streamed body one byte over the limit, as invalid", async () => {
    const reading = readTextCapped(new Response(streamOf(["12345", "678901"])), 10, "GET /state");
    await expect(reading).rejects.toThrow(PsiFetchError);
    await expect(readTextCapped(new Response(streamOf(["12345", "678901"])), 10, "GET /state")).rejects.toMatchObject({
      kind: "invalid",
      message: "invalid body (GET /state): larger than 10 bytes",
    });
  });

  it("refuses a declared content-length over the limit without reading the body", async () => {
    const response = new Response("tiny", { headers: { "content-length": "1000000" } });
    await expect(readTextCapped(response, 10, "GET /state")).rejects.toMatchObject({ kind: "invalid" });
  });
});
