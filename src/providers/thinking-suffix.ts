/**
 * A thinking suffix (`model(high)`, `model(8192)`, translation.md §5.1) on a same-dialect request:
 * the body is not translated, so the suffix's reasoning is written into the dialect's own field here
 * (it wins over the body's value). Cross-dialect requests get it from the hub instead.
 */
import type { Format } from "../translate/hub.js";
import { budgetOf, levelOf, LEVEL_BUDGET } from "../translate/thinking.js";
import type { Reasoning } from "../translate/ir.js";

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {};
}

/** Top-level members to set in a `dialect` body for a suffix's reasoning (translate/model-suffix.ts parses it); {} for none. */
export function suffixEdits(dialect: Format, r: Reasoning | undefined, body: Obj): Obj {
  if (!r) return {};
  const level = levelOf(r);
  const budget = budgetOf(r);
  // Dialects without a dynamic setting get the middle level for "auto".
  const effort = level === "auto" ? "medium" : level;
  switch (dialect) {
    case "openai-chat":
      return effort ? { reasoning_effort: effort } : {};
    case "openai-responses":
      return effort ? { reasoning: { ...obj(body.reasoning), effort } } : {};
    case "anthropic": {
      if (budget === undefined) return {};
      if (budget === 0) return { thinking: { type: "disabled" } };
      return { thinking: { type: "enabled", budget_tokens: budget === -1 ? LEVEL_BUDGET.medium : budget } };
    }
    case "gemini": {
      if (budget === undefined) return {};
      const config = obj(body.generationConfig);
      return {
        generationConfig: {
          ...config,
          thinkingConfig: { ...obj(config.thinkingConfig), thinkingBudget: budget, includeThoughts: budget !== 0 },
        },
      };
    }
  }
}
