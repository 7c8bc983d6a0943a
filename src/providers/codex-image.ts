/**
 * Codex's built-in image_generation tool, as CLIProxyAPI HEAD a7e3596b7 handles it
 * (internal/runtime/executor/codex_executor_request.go ensureImageGenerationTool, codex_executor_execute.go,
 * helps/payload_helpers.go shouldStripImageGeneration, config/disable_image_generation_mode.go):
 * with `disable-image-generation: false` every Codex request carries `{"type":"image_generation","output_format":"png"}`
 * unless it already has one (or Codex's own `image_gen` function/namespace tool), is a Responses-lite request,
 * the model is a `…spark` one, or the ChatGPT plan is free; `true` and `chat` strip the tool and a
 * tool_choice that forces it; `passthrough` leaves the client's tools alone.
 */
import type { Config } from "../config/schema.js";
import { clientHeader, obj, type BuildInput } from "./executor.js";

const IMAGE_TOOL = Object.freeze({ type: "image_generation", output_format: "png" });
const LITE_HEADER = "x-openai-internal-codex-responses-lite";
const LITE_METADATA = "ws_request_header_x_openai_internal_codex_responses_lite";

function isImageTool(t: unknown): boolean {
  const o = obj(t);
  if (!o) return false;
  if (o.type === "image_generation") return true;
  if (o.type === "function") return o.name === "image_gen.imagegen";
  if (o.type === "namespace" && o.name === "image_gen" && Array.isArray(o.tools))
    return o.tools.some((n) => obj(n)?.type === "function" && obj(n)?.name === "imagegen");
  return false;
}

function isLite(input: BuildInput, parsed: Readonly<Record<string, unknown>>): boolean {
  if (clientHeader(input.call.headers, LITE_HEADER)?.trim().toLowerCase() === "true") return true;
  const v = obj(parsed.client_metadata)?.[LITE_METADATA];
  return v === true || (typeof v === "string" && v.trim().toLowerCase() === "true");
}

/** The ChatGPT plan of a Codex token file (`chatgpt_plan_type` in its id_token, as HEAD's synthesizer reads it). */
function planOf(input: BuildInput): string | undefined {
  const raw = input.token?.raw;
  const direct = raw?.plan_type;
  if (typeof direct === "string") return direct.trim().toLowerCase();
  const part = typeof raw?.id_token === "string" ? raw.id_token.split(".")[1] : undefined;
  if (!part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
    const plan = obj(claims["https://api.openai.com/auth"])?.chatgpt_plan_type;
    return typeof plan === "string" ? plan.trim().toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Body edits for the image tool: fields to set and to remove (none when the body stays as it is). */
export function codexImageEdits(
  input: BuildInput,
  parsed: Readonly<Record<string, unknown>>,
  mode: Config["disableImageGeneration"],
): { set: Record<string, unknown>; remove: string[] } {
  const out = { set: {} as Record<string, unknown>, remove: [] as string[] };
  const tools = parsed.tools;
  if (mode === "passthrough") return out;
  if (mode === true || mode === "chat") {
    if (Array.isArray(tools) && tools.some((t) => obj(t)?.type === "image_generation"))
      out.set.tools = tools.filter((t) => obj(t)?.type !== "image_generation");
    const choice = parsed.tool_choice;
    const forced =
      typeof choice === "string" ? choice : obj(choice)?.type === "tool" ? obj(choice)?.name : obj(choice)?.type;
    if (typeof forced === "string" && forced.trim().toLowerCase() === "image_generation")
      out.remove.push("tool_choice");
    return out;
  }
  if (isLite(input, parsed) || input.upstreamModel.endsWith("spark") || planOf(input) === "free") return out;
  if (!Array.isArray(tools)) out.set.tools = [IMAGE_TOOL];
  else if (!tools.some(isImageTool)) out.set.tools = [...tools, IMAGE_TOOL];
  return out;
}
