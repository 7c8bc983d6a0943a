/**
 * Request cases ported from CLIProxyAPI's translator tests (a7e3596b7); see ported-support.ts.
 * Signatures are built as the Go tests build them: a Claude protobuf envelope (base64 starting "E") and
 * a GPT Fernet token (base64url starting "gAAAA").
 */
import { ABSENT, requestCases, type RequestCase } from "./ported-support.ts";

const CLAUDE_SIG = Buffer.concat([
  Buffer.from([0x12, 0x19, 0x0a, 0x17, 0x08, 0x0c, 0x10, 0x02, 0x32, 0x11]),
  Buffer.from("claude-sonnet-4-6"),
  Buffer.from([0x18, 0x01]),
]).toString("base64");
const GPT_SIG = Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 1, ...Array.from({ length: 64 }, (_, i) => i + 9)]).toString(
  "base64url",
);
const R = "internal/translator/claude/openai/responses/claude_openai-responses_request_test.go";
const CC = "internal/translator/codex/claude/codex_claude_request_test.go";
const OC = "internal/translator/openai/claude/openai_claude_request_test.go";
const CO = "internal/translator/claude/openai/chat-completions/claude_openai_request_test.go";
const GG = "internal/translator/gemini/gemini/gemini_gemini_request_test.go";
const XO = "internal/translator/codex/openai/chat-completions/codex_openai_request_test.go";
const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });

export const REQUEST_CASES: RequestCase[] = [
  // 1. Responses clients on Claude: encrypted_content classified by shape, not assumed to be OpenAI's.
  {
    from: `${R} TestConvertOpenAIResponsesRequestToClaude_SanitizesToolCallIDsForClaude`,
    client: "openai-responses",
    upstream: "anthropic",
    body: {
      input: [
        { type: "function_call", call_id: "call.with space:1", name: "Read", arguments: '{"path":"README.md"}' },
        { type: "function_call_output", call_id: "call.with space:1", output: "ok" },
      ],
    },
    expect: { "messages.0.content.0.id": "call_with_space_1", "messages.1.content.0.tool_use_id": "call_with_space_1" },
  },
  {
    from: `${R} TestConvertOpenAIResponsesRequestToClaude_ReasoningItemToThinkingBlock`,
    client: "openai-responses",
    upstream: "anthropic",
    body: {
      input: [
        {
          type: "reasoning",
          encrypted_content: CLAUDE_SIG,
          summary: [{ type: "summary_text", text: "internal reasoning" }],
        },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "visible answer" }] },
        user("continue"),
      ],
    },
    expect: {
      "messages.0.role": "assistant",
      "messages.0.content.0.type": "thinking",
      "messages.0.content.0.signature": CLAUDE_SIG,
      "messages.0.content.0.thinking": "internal reasoning",
      "messages.0.content.1.text": "visible answer",
      "messages.1.role": "user",
    },
  },
  {
    from: `${R} TestConvertOpenAIResponsesRequestToClaude_SignatureOnlyReasoningFlushesBeforeUser`,
    client: "openai-responses",
    upstream: "anthropic",
    body: { input: [{ type: "reasoning", encrypted_content: CLAUDE_SIG, summary: [] }, user("continue")] },
    expect: {
      "messages.0.content.0.type": "thinking",
      "messages.0.content.0.signature": CLAUDE_SIG,
      "messages.0.content.0.thinking": "",
      "messages.1.role": "user",
    },
  },
  {
    from: `${R} TestConvertOpenAIResponsesRequestToClaude_RedactedReasoningItemRestoresRedactedThinking`,
    client: "openai-responses",
    upstream: "anthropic",
    body: {
      input: [
        { type: "reasoning", encrypted_content: "claude-redacted-thinking:EroBCkYIBRgCKkA", summary: [] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "visible answer" }] },
        user("continue"),
      ],
    },
    expect: {
      "messages.0.content.0.type": "redacted_thinking",
      "messages.0.content.0.data": "EroBCkYIBRgCKkA",
      "messages.0.content.0.signature": ABSENT,
      "messages.0.content.1.text": "visible answer",
    },
  },
  {
    from: `${R} TestConvertOpenAIResponsesRequestToClaude_EmptyRedactedReasoningItemIsDropped`,
    client: "openai-responses",
    upstream: "anthropic",
    body: {
      input: [{ type: "reasoning", encrypted_content: "claude-redacted-thinking:", summary: [] }, user("continue")],
    },
    expect: { "messages.#": 1, "messages.0.role": "user" },
  },
  {
    from: `${R} TestConvertOpenAIResponsesRequestToClaude_ReasoningContentTextRebuildsThinking`,
    client: "openai-responses",
    upstream: "anthropic",
    body: {
      input: [
        {
          type: "reasoning",
          encrypted_content: CLAUDE_SIG,
          summary: [],
          content: [{ type: "reasoning_text", text: "restored from content" }],
        },
        user("continue"),
      ],
    },
    expect: { "messages.0.content.0.thinking": "restored from content", "messages.0.content.0.signature": CLAUDE_SIG },
  },
  {
    from: `${R} TestConvertOpenAIResponsesRequestToClaude_SummaryWinsOverDuplicatedReasoningContent`,
    client: "openai-responses",
    upstream: "anthropic",
    body: {
      input: [
        {
          type: "reasoning",
          encrypted_content: CLAUDE_SIG,
          summary: [{ type: "summary_text", text: "chain of thought" }],
          content: [{ type: "reasoning_text", text: "chain of thought" }],
        },
        user("continue"),
      ],
    },
    expect: { "messages.0.content.0.thinking": "chain of thought" },
  },
  {
    from: `${R} TestConvertOpenAIResponsesRequestToClaude_DropsIncompatibleReasoningSignature`,
    client: "openai-responses",
    upstream: "anthropic",
    body: {
      input: [
        {
          type: "reasoning",
          encrypted_content: GPT_SIG,
          summary: [{ type: "summary_text", text: "must not become Claude thinking" }],
        },
        user("continue"),
      ],
    },
    expect: {
      "messages.0.role": "user",
      "messages.0.content.0.type": "text",
      "messages.0.content.0.signature": ABSENT,
    },
  },
  // 6. Root unions and objects without properties.
  {
    from: `${R} TestConvertOpenAIResponsesRequestToClaude_NormalizesRootToolSchemaUnion`,
    client: "openai-responses",
    upstream: "anthropic",
    body: {
      input: "hi",
      tools: [
        {
          type: "function",
          name: "u",
          parameters: {
            anyOf: [
              { type: "object", properties: { a: { type: "string" } } },
              { type: "object", properties: { b: { type: "string" } } },
            ],
          },
        },
      ],
    },
    expect: {
      "tools.0.input_schema.type": "object",
      "tools.0.input_schema.anyOf": ABSENT,
      "tools.0.input_schema.properties.a.type": "string",
      "tools.0.input_schema.properties.b.type": "string",
      "tools.0.input_schema.required": ABSENT,
    },
  },
  {
    from: `${CO} TestConvertOpenAIRequestToClaude_NormalizesRootToolSchemaUnions`,
    client: "openai-chat",
    upstream: "anthropic",
    body: {
      messages: [{ role: "user", content: "hi" }],
      tools: [
        {
          type: "function",
          function: {
            name: "without_type",
            parameters: {
              anyOf: [
                { type: "object", properties: { a: { type: "string" } } },
                { type: "object", properties: { b: { type: "string" } } },
              ],
            },
          },
        },
        {
          type: "function",
          function: {
            name: "constraint_union",
            parametersJsonSchema: {
              type: "object",
              properties: { a: { type: "string" }, b: { type: "string" } },
              anyOf: [{ required: ["a"] }, { required: ["b"] }],
            },
          },
        },
      ],
    },
    expect: {
      "tools.0.input_schema.type": "object",
      "tools.0.input_schema.anyOf": ABSENT,
      "tools.0.input_schema.properties.b.type": "string",
      "tools.0.input_schema.required": ABSENT,
      "tools.1.input_schema.type": "object",
      "tools.1.input_schema.anyOf": ABSENT,
      "tools.1.input_schema.properties.a.type": "string",
      "tools.1.input_schema.required": ABSENT,
    },
  },
  {
    from: `${OC} TestConvertClaudeRequestToOpenAI_ToolSchemaAddsMissingObjectProperties`,
    client: "anthropic",
    upstream: "openai-chat",
    body: {
      max_tokens: 10,
      messages: [{ role: "user", content: "hello" }],
      tools: [
        { name: "empty_params", description: "No args", input_schema: { type: "object" } },
        {
          name: "nested_params",
          input_schema: {
            type: "object",
            properties: { nested: { type: "object" }, items: { type: "array", items: { type: "object" } } },
          },
        },
      ],
    },
    expect: {
      "tools.0.function.parameters.properties": {},
      "tools.1.function.parameters.properties.nested.properties": {},
      "tools.1.function.parameters.properties.items.items.properties": {},
    },
  },
  // 2. Claude's typed web search on Codex.
  {
    from: `${CC} TestConvertClaudeRequestToCodex_WebSearchToolMapping`,
    client: "anthropic",
    upstream: "codex",
    body: {
      max_tokens: 10,
      tools: [
        {
          type: "web_search_20260209",
          name: "web_search",
          allowed_domains: ["example.com"],
          blocked_domains: ["blocked.example"],
          user_location: { type: "approximate", city: "Beijing", country: "CN", timezone: "Asia/Shanghai" },
        },
      ],
      tool_choice: { type: "tool", name: "web_search" },
      messages: [{ role: "user", content: "hello" }],
    },
    expect: {
      "tools.0.type": "web_search",
      "tools.0.filters.allowed_domains.0": "example.com",
      "tools.0.blocked_domains": ABSENT,
      "tools.0.user_location.city": "Beijing",
      "tool_choice.type": "web_search",
    },
  },
  {
    from: `${CC} TestConvertClaudeRequestToCodex_WebSearchToolChoiceUsesDeclaredTypedToolName`,
    client: "anthropic",
    upstream: "codex",
    body: {
      max_tokens: 10,
      tools: [
        { type: "web_search_20250305", name: "browser_search" },
        { name: "web_search", description: "Local search", input_schema: { type: "object", properties: {} } },
      ],
      tool_choice: { type: "tool", name: "web_search" },
      messages: [{ role: "user", content: "hello" }],
    },
    expect: { "tool_choice.type": "function", "tool_choice.name": "web_search" },
  },
  {
    from: "internal/translator/codex/openai/responses/codex_openai-responses_request_test.go (web_search_preview in tool_choice; issue #15 item 2)",
    client: "openai-responses",
    upstream: "codex",
    body: { input: "hi", tools: [{ type: "web_search_preview" }], tool_choice: { type: "web_search_preview" } },
    expect: { "tools.0.type": "web_search", "tool_choice.type": "web_search" },
  },
  // 3. PDFs to Codex.
  {
    from: `${CC} TestConvertClaudeRequestToCodex_PreservesBase64PDFDocumentContent`,
    client: "anthropic",
    upstream: "codex",
    body: {
      max_tokens: 10,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "before" },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" } },
            { type: "text", text: "after" },
          ],
        },
      ],
    },
    expect: {
      "input.0.content.#": 3,
      "input.0.content.0.text": "before",
      "input.0.content.1.type": "input_file",
      "input.0.content.1.file_data": "data:application/pdf;base64,JVBERi0xLjQK",
      "input.0.content.1.filename": "document.pdf",
      "input.0.content.2.text": "after",
    },
  },
  // 5. Object-valued tool results.
  {
    from: `${OC} TestConvertClaudeRequestToOpenAI_ToolResultObjectContent`,
    client: "anthropic",
    upstream: "openai-chat",
    body: {
      max_tokens: 10,
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "call_1", name: "do_work", input: { a: 1 } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "call_1", content: { foo: "bar" } }] },
      ],
    },
    expect: { "messages.#": 2, "messages.1.role": "tool", "messages.1.content": '{"foo":"bar"}' },
  },
  {
    from: `${XO} TestToolCallOutputWithNonStringJSONContent/object`,
    client: "openai-chat",
    upstream: "codex",
    body: {
      messages: [
        { role: "user", content: "Check tool output." },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_json", type: "function", function: { name: "inspect", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call_json", content: { status: "ok", count: 2 } },
      ],
      tools: [{ type: "function", function: { name: "inspect", parameters: { type: "object", properties: {} } } }],
    },
    expect: { "input.2.output": '{"status":"ok","count":2}' },
  },
  {
    from: `${XO} TestToolCallOutputWithNonStringJSONContent/null`,
    client: "openai-chat",
    upstream: "codex",
    body: {
      messages: [
        { role: "user", content: "Check tool output." },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_json", type: "function", function: { name: "inspect", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call_json", content: null },
      ],
    },
    expect: { "input.2.output": "null" },
  },
  {
    from: `${XO} TestToolCallSimple`,
    client: "openai-chat",
    upstream: "codex",
    body: {
      messages: [
        { role: "user", content: "What is the weather?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
    },
    expect: {
      "input.1.type": "function_call",
      "input.1.call_id": "call_1",
      "input.1.name": "get_weather",
      "input.2.type": "function_call_output",
      "input.2.call_id": "call_1",
      "input.2.output": "sunny",
    },
  },
  // 8. Claude → Chat thinking and text.
  ...[
    ["GPT-compatible signature keeps reasoning_content", GPT_SIG, "provider state"],
    ["Claude signature drops reasoning_content", "claude#EjQ=", ABSENT],
    ["Gemini signature drops reasoning_content", "gemini#EjQKMgEMOdbHO0Gd", ABSENT],
    ["Unknown signature drops reasoning_content", "not-a-provider-signature", ABSENT],
  ].map(([name, sig, want]): RequestCase => ({
    from: `${OC} TestConvertClaudeRequestToOpenAI_SignedThinkingCompatibility/${String(name)}`,
    client: "anthropic",
    upstream: "openai-chat",
    body: {
      max_tokens: 10,
      messages: [
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "provider state", signature: sig },
            { type: "text", text: "visible answer" },
          ],
        },
      ],
    },
    expect: { "messages.0.reasoning_content": want, "messages.0.content": "visible answer" },
    differs: "a single text part goes as a string, not [{type:text}] (spec §2.1; every Chat server reads both)",
  })),
  {
    from: `${OC} TestConvertClaudeRequestToOpenAI_UnsignedThinkingOnlyMessageDropped`,
    client: "anthropic",
    upstream: "openai-chat",
    body: {
      max_tokens: 10,
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: [{ type: "thinking", thinking: "unsigned" }] },
        { role: "user", content: "again" },
      ],
    },
    expect: { "messages.#": 2, "messages.0.role": "user", "messages.1.role": "user" },
  },
  {
    from: `${OC} TestConvertClaudeRequestToOpenAI_AssistantTextToolUseTextOrder`,
    client: "anthropic",
    upstream: "openai-chat",
    body: {
      max_tokens: 10,
      messages: [
        {
          role: "assistant",
          content: [
            { type: "text", text: "pre" },
            { type: "tool_use", id: "call_1", name: "do_work", input: { a: 1 } },
            { type: "text", text: "post" },
          ],
        },
      ],
    },
    expect: {
      "messages.#": 1,
      "messages.0.tool_calls.0.id": "call_1",
      "messages.0.tool_calls.0.function.name": "do_work",
      "messages.0.content.0.text": "pre",
      "messages.0.content.1.text": "post",
    },
  },
  {
    from: `${OC} TestConvertClaudeRequestToOpenAI_StopSequences`,
    client: "anthropic",
    upstream: "openai-chat",
    body: { max_tokens: 10, stop_sequences: ["a", "b"], messages: [{ role: "user", content: "hi" }] },
    expect: { stop: ["a", "b"] },
  },
  // 4. Gemini → Gemini.
  ...[
    [
      "TestConvertGeminiRequestToGemini_BackfillsEmptyName",
      [
        { role: "model", parts: [{ functionCall: { name: "Bash", args: { cmd: "ls" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "", response: { output: "file1.txt" } } }] },
      ],
      { "contents.2.parts.0.functionResponse.name": "Bash" },
    ],
    [
      "TestBackfillEmptyFunctionResponseNames_Parallel",
      [
        {
          role: "model",
          parts: [{ functionCall: { name: "Read", args: {} } }, { functionCall: { name: "Grep", args: {} } }],
        },
        {
          role: "user",
          parts: [{ functionResponse: { name: "", response: {} } }, { functionResponse: { name: "", response: {} } }],
        },
      ],
      { "contents.2.parts.0.functionResponse.name": "Read", "contents.2.parts.1.functionResponse.name": "Grep" },
    ],
    [
      "TestBackfillEmptyFunctionResponseNames_PreservesExisting",
      [
        { role: "model", parts: [{ functionCall: { name: "Bash", args: {} } }] },
        { role: "user", parts: [{ functionResponse: { name: "Bash", response: {} } }] },
      ],
      { "contents.2.parts.0.functionResponse.name": "Bash" },
    ],
    [
      "TestBackfillEmptyFunctionResponseNames_MoreResponsesThanCalls",
      [
        { role: "model", parts: [{ functionCall: { name: "Bash", args: {} } }] },
        {
          role: "user",
          parts: [{ functionResponse: { name: "", response: {} } }, { functionResponse: { name: "", response: {} } }],
        },
      ],
      { "contents.2.parts.0.functionResponse.name": "Bash", "contents.2.parts.1.functionResponse.name": "" },
    ],
    [
      "TestBackfillEmptyFunctionResponseNames_MultipleGroups",
      [
        { role: "model", parts: [{ functionCall: { name: "Read", args: {} } }] },
        { role: "user", parts: [{ functionResponse: { name: "", response: {} } }] },
        { role: "model", parts: [{ functionCall: { name: "Grep", args: {} } }] },
        { role: "user", parts: [{ functionResponse: { name: "", response: {} } }] },
      ],
      { "contents.2.parts.0.functionResponse.name": "Read", "contents.4.parts.0.functionResponse.name": "Grep" },
    ],
  ].map(([name, contents, expect]): RequestCase => ({
    from: `${GG} ${String(name)}`,
    client: "gemini",
    upstream: "gemini",
    body: { contents },
    expect: { "contents.0.role": "user", "contents.0.parts.0.text": "", ...(expect as object) },
    differs:
      "index shifted by one: the executor's leading-user rule (internal/runtime/executor/helps/gemini_content_turns.go) also applies, as it does upstream after the translator",
  })),
  {
    from: "internal/runtime/executor/gemini_executor_test.go TestGeminiExecutorExecutePrependsLeadingUser",
    client: "openai-responses",
    upstream: "gemini",
    body: {
      input: [
        { type: "function_call", call_id: "c1", name: "lookup", arguments: '{"key":"value"}' },
        { type: "function_call_output", call_id: "c1", output: "ok" },
      ],
    },
    expect: {
      "contents.#": 3,
      "contents.0.role": "user",
      "contents.0.parts.0.text": "",
      "contents.1.role": "model",
      "contents.2.role": "user",
    },
  },
  {
    from: `${GG} (role alternation and parametersJsonSchema; spec S16)`,
    client: "gemini",
    upstream: "gemini",
    body: {
      contents: [{ parts: [{ text: "a" }] }, { parts: [{ text: "b" }] }],
      tools: [{ functionDeclarations: [{ name: "f", parameters: { type: "object" } }] }],
      generationConfig: { responseSchema: { type: "object" } },
    },
    expect: {
      "contents.0.role": "user",
      "contents.1.role": "model",
      "tools.0.functionDeclarations.0.parametersJsonSchema": { type: "object" },
      "tools.0.functionDeclarations.0.parameters": ABSENT,
      "generationConfig.responseJsonSchema": { type: "object" },
    },
    differs:
      "declarations stay under functionDeclarations (Go renames the list to function_declarations; Google reads both) and no default safetySettings are added, so well-formed bodies pass byte for byte",
  },
  // 12. Long tail.
  ...[
    ["only max_completion_tokens", { max_completion_tokens: 128000 }, 128000],
    ["only max_tokens", { max_tokens: 4096 }, 4096],
    ["both present prefers max_tokens", { max_tokens: 4096, max_completion_tokens: 128000 }, 4096],
    ["neither present uses default template limit", {}, 32000],
  ].map(([name, extra, want]): RequestCase => ({
    from: `${CO} TestConvertOpenAIRequestToClaude_MaxTokensAndMaxCompletionTokens/${String(name)}`,
    client: "openai-chat",
    upstream: "anthropic",
    model: "claude-3-7-sonnet-20250219",
    body: { messages: [{ role: "user", content: "hi" }], ...(extra as object) },
    expect: { max_tokens: want },
  })),
  {
    from: `${CO} TestConvertOpenAIRequestToClaude_SystemOnlyInputKeepsFallbackUserMessage`,
    client: "openai-chat",
    upstream: "anthropic",
    body: { messages: [{ role: "system", content: "You are a helpful assistant." }] },
    expect: {
      "system.#": 1,
      "system.0.text": "You are a helpful assistant.",
      "messages.#": 1,
      "messages.0.role": "user",
      "messages.0.content.0.type": "text",
      "messages.0.content.0.text": "",
    },
  },
  {
    from: `${CO} TestConvertOpenAIRequestToClaude_DeduplicatesToolResults`,
    client: "openai-chat",
    upstream: "anthropic",
    body: {
      messages: [
        { role: "user", content: "Run tools" },
        {
          role: "assistant",
          tool_calls: [{ id: "call_dup", type: "function", function: { name: "lookup", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call_dup", content: "first output" },
        {
          role: "assistant",
          content: "Next step",
          tool_calls: [{ id: "call_other", type: "function", function: { name: "search", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call_dup", content: "final output" },
        { role: "tool", tool_call_id: "call_other", content: "search output" },
        { role: "tool", tool_call_id: "", content: "empty id output" },
      ],
    },
    expect: {
      "messages.1.content.0.id": "call_dup",
      "messages.2.content.0.tool_use_id": "call_dup",
      "messages.2.content.0.content": "final output",
      "messages.3.content.0.text": "Next step",
      "messages.3.content.1.id": "call_other",
      "messages.4.content.#": 2,
      "messages.4.content.0.tool_use_id": "call_other",
      "messages.4.content.0.content": "search output",
      "messages.4.content.1.content": "empty id output",
    },
  },
  ...[
    ["plain string", "custom-user-123"],
    ["special characters and json string", 'foo"bar\nbaz\\qux'],
    ["claude code json format", '{"device_id":"00","session_id":"11111111-2222-4333-8444-555555555555"}'],
  ].map(([name, id]): RequestCase => ({
    from: `${CO} TestConvertOpenAIRequestToClaude_PreservesCallerSuppliedMetadataUserID/${name}`,
    client: "openai-chat",
    upstream: "anthropic",
    body: { metadata: { user_id: id }, messages: [{ role: "user", content: "hello" }] },
    expect: { "metadata.user_id": id },
  })),
  {
    from: `${CO} TestConvertOpenAIRequestToClaude_SystemRoleBecomesTopLevelSystem`,
    client: "openai-chat",
    upstream: "anthropic",
    body: {
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hi" },
      ],
    },
    expect: { "system.0.text": "Be brief.", "messages.#": 1, "messages.0.role": "user" },
  },
  {
    from: `${CO} TestConvertOpenAIRequestToClaude_DeveloperRoleBecomesTopLevelSystem`,
    client: "openai-chat",
    upstream: "anthropic",
    body: {
      messages: [
        { role: "developer", content: "No emojis." },
        { role: "user", content: "hi" },
      ],
    },
    expect: { "system.0.text": "No emojis.", "messages.0.role": "user" },
  },
  {
    from: `${CO} TestConvertOpenAIRequestToClaude_SanitizesToolCallIDsForClaude`,
    client: "openai-chat",
    upstream: "anthropic",
    body: {
      messages: [
        {
          role: "assistant",
          tool_calls: [{ id: "call.with space:1", type: "function", function: { name: "Read", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call.with space:1", content: "ok" },
      ],
    },
    expect: { "messages.0.content.0.id": "call_with_space_1", "messages.1.content.0.tool_use_id": "call_with_space_1" },
  },
  {
    from: `${CO} TestConvertOpenAIRequestToClaude_GroupsConsecutiveParallelToolResults`,
    client: "openai-chat",
    upstream: "anthropic",
    body: {
      messages: [
        { role: "user", content: "go" },
        {
          role: "assistant",
          tool_calls: [
            { id: "a", type: "function", function: { name: "f", arguments: "{}" } },
            { id: "b", type: "function", function: { name: "g", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "a", content: "1" },
        { role: "tool", tool_call_id: "b", content: "2" },
      ],
    },
    expect: {
      "messages.#": 3,
      "messages.2.content.#": 2,
      "messages.2.content.0.tool_use_id": "a",
      "messages.2.content.1.tool_use_id": "b",
    },
  },
];

requestCases(REQUEST_CASES);

const CR = "internal/translator/codex/openai/responses/codex_openai-responses_request_test.go";
requestCases([
  {
    from: `${CR} TestConvertOpenAIResponsesRequestToCodexNormalizesRequiredFields`,
    client: "openai-responses",
    upstream: "codex",
    body: {
      stream: "true",
      store: true,
      include: ["file_search_call.results", "reasoning.encrypted_content"],
      max_output_tokens: 4096,
      max_completion_tokens: 4096,
      temperature: 0.2,
      top_p: 0.9,
      service_tier: "standard",
      truncation: "auto",
      prompt_cache_options: { mode: "implicit" },
      prompt_cache_retention: "24h",
      user: "request-owner",
      input: [{ type: "message", role: "system", content: "hello" }],
    },
    expect: {
      stream: true,
      store: false,
      include: ["reasoning.encrypted_content"],
      "input.0.role": "developer",
      max_output_tokens: ABSENT,
      max_completion_tokens: ABSENT,
      temperature: ABSENT,
      top_p: ABSENT,
      service_tier: ABSENT,
      truncation: ABSENT,
      prompt_cache_options: ABSENT,
      prompt_cache_retention: ABSENT,
      user: ABSENT,
    },
  },
  {
    from: `${CR} TestConvertOpenAIResponsesRequestToCodexNormalizesRequiredFields (parallel_tool_calls)`,
    client: "openai-responses",
    upstream: "codex",
    body: { parallel_tool_calls: false, input: "hi" },
    expect: { parallel_tool_calls: false },
    differs:
      "a client's parallel_tool_calls:false is kept (spec §2.3 Codex defaults: true unless the client disabled it); Go forces true",
  },
  {
    from: `${CR} TestStripCodexResponsesCacheBreakpoints`,
    client: "openai-responses",
    upstream: "codex",
    body: {
      input: [
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "Hello world", prompt_cache_breakpoint: { mode: "explicit" } },
            { type: "input_text", text: "Second part" },
          ],
        },
      ],
    },
    expect: {
      "input.0.content.0": { type: "input_text", text: "Hello world" },
      "input.0.content.1.text": "Second part",
    },
  },
  {
    from: `${CR} TestConvertOpenAIResponsesRequestToCodex_NormalizesWebSearchPreview`,
    client: "openai-responses",
    upstream: "codex",
    body: { input: "hi", tools: [{ type: "web_search_preview_2025_03_11" }] },
    expect: { "tools.0.type": "web_search" },
  },
  {
    from: `${CC} TestConvertClaudeRequestToCodex_MessageSystemRoleWrapsAsUserReminder`,
    client: "anthropic",
    upstream: "codex",
    body: {
      max_tokens: 10,
      system: [{ type: "text", text: "Top-level rules" }],
      messages: [
        { role: "user", content: "hello" },
        { role: "system", content: "Follow the project instructions" },
        { role: "assistant", content: [{ type: "text", text: "ok" }] },
        { role: "system", content: [{ type: "text", text: "Use the current repo" }] },
      ],
    },
    expect: {
      "input.#": 5,
      "input.0.role": "developer",
      "input.2.role": "user",
      "input.2.content.0.text": "<system-reminder>\nFollow the project instructions\n</system-reminder>",
      "input.4.role": "user",
      "input.4.content.0.text": "<system-reminder>\nUse the current repo\n</system-reminder>",
    },
  },
  ...[
    ["Priority passes through", { service_tier: "priority" }, "priority"],
    ["Fast tier normalizes to priority", { service_tier: "fast" }, "priority"],
    ["Unsupported tier is omitted", { service_tier: "default" }, ABSENT],
    ["Non-string tier is omitted", { service_tier: true }, ABSENT],
    ["Fast speed maps to priority", { speed: "fast" }, "priority"],
    ["Standard speed is omitted", { speed: "standard" }, ABSENT],
    ["Fast speed overrides unsupported Anthropic tier", { service_tier: "auto", speed: "fast" }, "priority"],
  ].map(([name, extra, want]): RequestCase => ({
    from: `${CC} TestConvertClaudeRequestToCodex_ServiceTier/${String(name)}`,
    client: "anthropic",
    upstream: "codex",
    body: { max_tokens: 10, messages: [{ role: "user", content: "Reply with OK" }], ...(extra as object) },
    expect: { service_tier: want },
  })),
]);

const GO = "internal/translator/gemini/openai/chat-completions/gemini_openai_request_test.go";
const GR = "internal/translator/gemini/openai/responses/gemini_openai-responses_request_test.go";
requestCases([
  {
    from: `${GO} TestConvertOpenAIRequestToGemini_StripsTrailingAssistantPrefill`,
    client: "openai-chat",
    upstream: "gemini",
    model: "gemini-3.1-pro-high",
    body: {
      messages: [
        { role: "user", content: "hello" },
        { role: "assistant", content: "previous answer" },
      ],
    },
    expect: { "contents.#": 1, "contents.0.role": "user" },
  },
  {
    from: `${GR} TestConvertOpenAIResponsesRequestToGemini_StripsTrailingAssistantPrefill`,
    client: "openai-responses",
    upstream: "gemini",
    body: {
      input: [
        user("hello"),
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "prefill" }] },
      ],
    },
    expect: { "contents.#": 1, "contents.0.role": "user" },
  },
  {
    from: `${GO} TestConvertOpenAIRequestToGeminiPreservesVideoURL`,
    client: "openai-chat",
    upstream: "gemini",
    model: "gemini-3-flash",
    body: {
      messages: [
        {
          role: "user",
          content: [
            { type: "video_url", video_url: { url: "data:video/mp4;base64,AAAAIGZ0eXBtcDQy" } },
            { type: "text", text: "Describe the video" },
          ],
        },
      ],
    },
    expect: {
      "contents.0.parts.#": 2,
      "contents.0.parts.0.inlineData.mimeType": "video/mp4",
      "contents.0.parts.0.inlineData.data": "AAAAIGZ0eXBtcDQy",
      "contents.0.parts.1.text": "Describe the video",
    },
    differs:
      "inlineData.mimeType (the camelCase spelling of @google/genai and Google's docs) where Go writes mime_type; the API reads both",
  },
  {
    from: `${GO} TestConvertOpenAIRequestToGeminiPreservesInputAudio`,
    client: "openai-chat",
    upstream: "gemini",
    model: "gemini-3.1-pro-high",
    body: {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Transcribe this audio verbatim." },
            { type: "input_audio", input_audio: { data: "SUQzBA==", format: "mp3" } },
          ],
        },
      ],
    },
    expect: {
      "contents.0.parts.#": 2,
      "contents.0.parts.0.text": "Transcribe this audio verbatim.",
      "contents.0.parts.1.inlineData.mimeType": "audio/mpeg",
      "contents.0.parts.1.inlineData.data": "SUQzBA==",
    },
    differs: "inlineData.mimeType rather than mime_type (see the video case)",
  },
]);
