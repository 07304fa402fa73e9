import { parseWith, predicateOf } from "@aurora/domain";
import { z } from "zod";

/** What a fast path returns when it does not accept its input; zod then decides and explains. */
export const DEFER: unique symbol = Symbol("aurora.defer-to-zod");

/** Accepts exactly what the schema accepts and returns what zod would return, or {@link DEFER}. */
export type FastPath<S extends z.ZodType> = (value: unknown) => z.output<S> | typeof DEFER;

/** Parses like `parseWith(schema, value, root)`: the same output, the same `ValidationError`. */
export type CompiledParser<S extends z.ZodType> = (value: unknown, root?: string) => z.output<S>;

// The parts of zod 4's internal schema and check definitions that the generator reads.
interface Payload {
  value: unknown;
  issues: unknown[];
}
interface CheckDef {
  check: string;
  type?: string;
  when?: (payload: Payload) => boolean;
  value?: unknown;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  fn?: (value: unknown) => unknown;
}
interface Check {
  _zod: { def: CheckDef; check(payload: Payload): unknown };
}
interface SchemaDef {
  type: string;
  checks?: Check[];
  coerce?: boolean;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  innerType?: Schema;
  readonly defaultValue?: unknown;
}
interface Schema {
  _zod: { def: SchemaDef; optin?: string; optout?: string; traits: Set<string> };
}

/** zod's own `when` of length checks (run on values with a length), shared by every such check. */
const LENGTH_WHEN = (z.string().min(1) as unknown as Schema)._zod.def.checks?.[0]?._zod.def.when;

/**
 * A check's payload, made by a constructor rather than an object literal. V8 pretenures the objects
 * of an allocation site (literals only) whose objects it saw outlive a scavenge, and then allocates
 * them straight into the old generation: a literal payload here, once tenured (it was, in long runs
 * over many states), kept every parsed candidate list it pointed to alive until the next full GC,
 * ~2.3 KB promoted per decision. A constructed object is never pretenured, so it dies young.
 */
class CheckPayload implements Payload {
  value: unknown;
  issues: unknown[];

  constructor(value: unknown) {
    this.value = value;
    this.issues = [];
  }
}

/**
 * Runs one zod check the way zod's `runChecks` does on a value that has no issues yet; the
 * payload (with the value the check may have rewritten), or null when the check fails or is async.
 */
function runCheck(check: Check, value: unknown): Payload | null {
  const payload = new CheckPayload(value);
  const when = check._zod.def.when;
  if (when !== undefined && !when(payload)) return payload;
  const result = check._zod.check(payload);
  if (result instanceof Promise || payload.issues.length > 0) return null;
  return payload;
}

/** A schema the generator does not know, parsed by zod itself (still exact, just not faster). */
function parseByZod(schema: Schema, value: unknown): { success: boolean; data?: unknown } {
  return z.safeParse(schema as unknown as z.ZodType, value);
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/**
 * Generates straight-line JavaScript for one schema, the way zod 4's own object JIT does, but for
 * the whole tree at once and without zod's per-field payloads and issue lists. The generated code
 * only ever accepts (computing zod's output) or gives up with DEFER; every refusal, and every
 * error message, stays zod's. The differential property test keeps the two in step.
 */
class Generator {
  readonly constants: unknown[] = [];
  #names = 0;

  constant(value: unknown): string {
    this.constants.push(value);
    return `k[${this.constants.length - 1}]`;
  }

  name(prefix: string): string {
    return `${prefix}${this.#names++}`;
  }

  /** Statements that read `src` and assign zod's output to `dst`, or `return D`. */
  node(schema: Schema, src: string, dst: string): string {
    const internals = schema._zod;
    const def = internals.def;
    // A schema that is itself a check (string formats, z.custom) or coerces goes to zod.
    if (internals.traits.has("$ZodCheck") || def.coerce === true) return this.#byZod(schema, src, dst);
    let code: string;
    switch (def.type) {
      case "string":
        code = `if (typeof ${src} !== "string") return D;\n${dst} = ${src};\n`;
        break;
      case "number":
        code = `if (typeof ${src} !== "number" || !Number.isFinite(${src})) return D;\n${dst} = ${src};\n`;
        break;
      case "boolean":
        code = `if (typeof ${src} !== "boolean") return D;\n${dst} = ${src};\n`;
        break;
      case "optional": {
        const inner = def.innerType as Schema;
        if (inner._zod.optin === "defaulted") return this.#byZod(schema, src, dst);
        code = `if (${src} === undefined) ${dst} = undefined;\nelse {\n${this.node(inner, src, dst)}}\n`;
        break;
      }
      case "nullable":
        code = `if (${src} === null) ${dst} = null;\nelse {\n${this.node(def.innerType as Schema, src, dst)}}\n`;
        break;
      case "default": {
        const fallback = `${this.constant(def)}.defaultValue`; // a getter: a fresh copy each time, as zod gives
        code =
          `if (${src} === undefined) ${dst} = ${fallback};\n` +
          `else {\n${this.node(def.innerType as Schema, src, dst)}if (${dst} === undefined) ${dst} = ${fallback};\n}\n`;
        break;
      }
      case "array":
        code = this.#array(def.element as Schema, src, dst);
        break;
      case "object": {
        // A strict object's catchall is `never`: any key outside the shape is an issue zod explains.
        const strict = def.catchall?._zod.def.type === "never";
        const object =
          def.catchall === undefined || strict ? this.#object(def.shape as Record<string, Schema>, src, dst, strict) : undefined;
        if (object === undefined) return this.#byZod(schema, src, dst);
        code = object;
        break;
      }
      default:
        return this.#byZod(schema, src, dst);
    }
    for (const check of def.checks ?? []) code += this.#check(check, dst);
    return code;
  }

  #array(element: Schema, src: string, dst: string): string {
    const out = this.name("a");
    const i = this.name("i");
    const item = this.name("e");
    return (
      `if (!Array.isArray(${src})) return D;\n` +
      `const ${out} = new Array(${src}.length);\n` +
      `for (let ${i} = 0; ${i} < ${src}.length; ${i}++) {\nconst ${item} = ${src}[${i}];\nlet ${item}o;\n` +
      this.node(element, item, `${item}o`) +
      `${out}[${i}] = ${item}o;\n}\n${dst} = ${out};\n`
    );
  }

  /**
   * zod's object semantics (its JIT's): unknown keys stripped (`strict`: deferred to zod, which
   * refuses them), presence rules by optin/optout; undefined when unsupported.
   */
  #object(shape: Record<string, Schema>, src: string, dst: string, strict = false): string | undefined {
    const out = this.name("o");
    let code = `if (typeof ${src} !== "object" || ${src} === null || Array.isArray(${src})) return D;\nconst ${out} = {};\n`;
    if (strict) {
      // Every key the object shows, own or inherited: one outside the shape goes to zod.
      const known = this.constant(new Set(Object.keys(shape)));
      const key = this.name("k");
      code += `for (const ${key} in ${src}) if (!${known}.has(${key})) return D;\n`;
    }
    for (const key of Object.keys(shape)) {
      if (key === "__proto__") continue; // zod never copies it
      const field = shape[key] as Schema;
      const optin = field._zod.optin;
      const optional = field._zod.optout === "optional";
      const literal = JSON.stringify(key);
      const slot = identifier.test(key) ? `${out}.${key}` : `${out}[${literal}]`;
      const value = this.name("f");
      const parsed = `${value}o`;
      const read = `const ${value} = ${src}[${literal}];\nlet ${parsed};\n`;
      if (optin === undefined) {
        code += `if (!(${literal} in ${src})) return D;\n{\n${read}${this.node(field, value, parsed)}${slot} = ${parsed};\n}\n`;
      } else if (optional && optin === "optional") {
        // Absent: nothing in the output. Present: parsed, even when it is undefined.
        code += `if (${literal} in ${src}) {\n${read}${this.node(field, value, parsed)}${slot} = ${parsed};\n}\n`;
      } else if (!optional) {
        const assign =
          optin === "defaulted"
            ? `${slot} = ${parsed};\n`
            : `if (${parsed} !== undefined || ${literal} in ${src}) ${slot} = ${parsed};\n`;
        code += `{\n${read}${this.node(field, value, parsed)}${assign}}\n`;
      } else {
        return undefined; // .default(…).optional(): absent keys would need zod's rule for swallowed issues
      }
    }
    return `${code}${dst} = ${out};\n`;
  }

  #check(check: Check, dst: string): string {
    const def = check._zod.def;
    const passes = def.when === undefined ? predicateOf(check) : undefined;
    if (passes !== undefined) {
      // A predicateRefinement: its rule as a predicate, no zod payload (zod explains a failure).
      return `if (!${this.constant(passes)}(${dst})) return D;\n`;
    }
    const whenIsZods = def.when === undefined || def.when === LENGTH_WHEN;
    const ref = this.constant(check);
    const exact = `{\nconst p = R(${ref}, ${dst});\nif (p === null) return D;\n${dst} = p.value;\n}\n`;
    if (whenIsZods && def.check === "greater_than" && typeof def.value === "number") {
      return `if (!(${dst} ${def.inclusive ? ">=" : ">"} ${def.value})) return D;\n`;
    }
    if (whenIsZods && def.check === "less_than" && typeof def.value === "number") {
      return `if (!(${dst} ${def.inclusive ? "<=" : "<"} ${def.value})) return D;\n`;
    }
    // zod counts a string's length in code points: only a length in UTF-16 units that is
    // conclusive on its own is decided here, the rest by zod's own check.
    if (whenIsZods && def.check === "max_length" && typeof def.maximum === "number") {
      return `if (${dst}.length > ${def.maximum}) ${exact}`;
    }
    if (whenIsZods && def.check === "min_length" && typeof def.minimum === "number") {
      return `if (${dst}.length < ${def.minimum}) return D;\nif (typeof ${dst} === "string" && ${dst}.length < ${2 * def.minimum}) ${exact}`;
    }
    if (def.when === undefined && def.check === "custom" && def.type === "custom" && typeof def.fn === "function") {
      // A .refine(fn): its predicate, called directly (a promise means async, which zod must handle).
      return `{\nconst r = ${this.constant(def.fn)}(${dst});\nif (!r || r instanceof Promise) return D;\n}\n`;
    }
    return exact;
  }

  #byZod(schema: Schema, src: string, dst: string): string {
    const result = this.name("z");
    return `const ${result} = Z(${this.constant(schema)}, ${src});\nif (!${result}.success) return D;\n${dst} = ${result}.data;\n`;
  }
}

/**
 * Compiles a fast path for `schema`: generated code that accepts exactly the inputs zod accepts,
 * returning the same output, and returns {@link DEFER} for everything else. `undefined` when code
 * generation is not allowed here (zod's `jitless` setting, or a runtime without `new Function`).
 */
export function compileFastPath<S extends z.ZodType>(schema: S): FastPath<S> | undefined {
  if (z.config().jitless === true) return undefined;
  const generator = new Generator();
  const body = generator.node(schema as unknown as Schema, "input", "output");
  const source = `return function fastParse(input) {\nlet output;\ntry {\n${body}} catch {\nreturn D;\n}\nreturn output;\n};`;
  try {
    const factory = new Function("k", "D", "R", "Z", source) as (
      k: unknown[],
      d: typeof DEFER,
      r: typeof runCheck,
      zod: typeof parseByZod,
    ) => FastPath<S>;
    return factory(generator.constants, DEFER, runCheck, parseByZod);
  } catch {
    return undefined;
  }
}

/**
 * A parser for `schema` that gives exactly what `parseWith(schema, value, root)` gives: its output
 * for valid input, its `ValidationError` (zod's messages, with `root` in the field) otherwise.
 * Valid input takes the compiled fast path; only invalid input pays for zod's issue reporting.
 */
export function compileParser<S extends z.ZodType>(schema: S): CompiledParser<S> {
  const fast = compileFastPath(schema);
  if (fast === undefined) return (value, root) => parseWith(schema, value, root);
  return (value, root) => {
    const output = fast(value);
    return output !== DEFER ? output : parseWith(schema, value, root);
  };
}
