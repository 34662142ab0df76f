package dev.weft.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Usage read from OpenAI-style bodies in parts, wherever the parts are cut. */
class ModelUsageTest {

    private static final String JSON_RESPONSE = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"llama-3-8b",
             "choices":[{"index":0,"message":{"role":"assistant","content":"a \\"model\\": usage {\\"prompt_tokens\\": 99}",
               "model":"not-this"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46,
               "completion_tokens_details":{"reasoning_tokens":0}},
             "system_fingerprint":"x"}""";

    private static final String SSE = """
            data: {"id":"c","object":"chat.completion.chunk","model":"llama-3-8b-v2","choices":[{"index":0,"delta":{"role":"assistant","content":"Weft"}}],"usage":null}

            : a comment
            event: message
            data: {"id":"c","object":"chat.completion.chunk","model":"llama-3-8b-v2","choices":[{"index":0,"delta":{"content":" threads"}}]}

            data: {"id":"c","object":"chat.completion.chunk","model":"llama-3-8b-v2","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: {"id":"c","object":"chat.completion.chunk","model":"llama-3-8b-v2","choices":[],
            data:  "usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}

            data: [DONE]

            """;

    /** Feeds {@code body} cut into parts of {@code part} bytes, each part at its own (fake) time. */
    private static ModelUsage feed(ModelUsage.Mode mode, String body, int part) {
        ModelUsage u = new ModelUsage("chat");
        u.responseMode(mode);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        long now = 1_000;
        for (int i = 0; i < bytes.length; i += part) {
            ByteBuf b = Unpooled.wrappedBuffer(bytes, i, Math.min(part, bytes.length - i));
            int readerIndex = b.readerIndex();
            u.responseContent(b, now);
            assertThat(b.readerIndex()).as("the scanner does not move indexes").isEqualTo(readerIndex);
            now += 1_000;
        }
        return u;
    }

    @Test
    void aJsonResponseGivesItsModelAndUsageHoweverItIsCut() {
        for (int part = 1; part <= JSON_RESPONSE.length(); part++) {
            ModelUsage u = feed(ModelUsage.Mode.JSON, JSON_RESPONSE, part);
            assertThat(u.responseModel()).as("part %d", part).isEqualTo("llama-3-8b");
            assertThat(u.inputTokens()).as("part %d", part).isEqualTo(12);
            assertThat(u.outputTokens()).as("part %d", part).isEqualTo(34);
            assertThat(u.streamed()).isFalse();
        }
    }

    @Test
    void anSseStreamGivesItsModelUsageAndTokenTimesHoweverItIsCut() {
        for (int part = 1; part <= SSE.length(); part++) {
            ModelUsage u = feed(ModelUsage.Mode.SSE, SSE, part);
            assertThat(u.responseModel()).as("part %d", part).isEqualTo("llama-3-8b-v2");
            assertThat(u.inputTokens()).as("part %d", part).isEqualTo(7);
            assertThat(u.outputTokens()).as("part %d", part).isEqualTo(2);
            assertThat(u.streamed()).isTrue();
            assertThat(u.firstEventNanos()).as("part %d", part).isPositive();
            assertThat(u.lastTokenNanos()).as("part %d", part).isGreaterThanOrEqualTo(u.firstEventNanos());
        }
        // whole: every event in one part, at one time
        ModelUsage whole = feed(ModelUsage.Mode.SSE, SSE, SSE.length());
        assertThat(whole.firstEventNanos()).isEqualTo(whole.lastTokenNanos());
        // byte by byte: the first event ends at its blank line, the last token's event before the usage one
        ModelUsage slow = feed(ModelUsage.Mode.SSE, SSE, 1);
        int firstEventEnd = SSE.indexOf("\n\n") + 1;
        assertThat(slow.firstEventNanos()).isEqualTo(1_000 + firstEventEnd * 1_000L);
        int thirdEventEnd = SSE.indexOf("\n\n", SSE.indexOf("finish_reason")) + 1;
        assertThat(slow.lastTokenNanos()).isEqualTo(1_000 + thirdEventEnd * 1_000L);
    }

    @Test
    void crlfLineEndsWork() {
        ModelUsage u = feed(ModelUsage.Mode.SSE, SSE.replace("\n", "\r\n"), 7);
        assertThat(u.outputTokens()).isEqualTo(2);
        assertThat(u.responseModel()).isEqualTo("llama-3-8b-v2");
    }

    @Test
    void anthropicStyleNamesCount() {
        ModelUsage u = feed(ModelUsage.Mode.JSON,
                "{\"model\":\"claude\",\"usage\":{\"input_tokens\":5,\"output_tokens\":8}}", 3);
        assertThat(u.inputTokens()).isEqualTo(5);
        assertThat(u.outputTokens()).isEqualTo(8);
    }

    @Test
    void theRequestsModelIsReadFromABoundedPrefix() {
        ModelUsage u = new ModelUsage("chat");
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi, \\\"model\\\": x\"}],\"model\":\"llama-3-8b\",\"stream\":true}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 5) {
            u.requestContent(Unpooled.wrappedBuffer(bytes, i, Math.min(5, bytes.length - i)));
        }
        assertThat(u.requestModel()).isEqualTo("llama-3-8b");

        ModelUsage late = new ModelUsage("chat");
        late.requestContent(Unpooled.wrappedBuffer(("{\"messages\":\"" + "x".repeat(ModelUsage.MAX_REQUEST_SCAN)
                + "\",\"model\":\"m\"}").getBytes(StandardCharsets.UTF_8)));
        assertThat(late.requestModel()).as("past the scanned prefix").isNull();
    }

    @Test
    void malformedOrForeignBodiesYieldNothing() {
        for (String body : new String[] {"", "[1,2,3]", "{\"usage\":null}", "{\"usage\":{\"prompt_tokens\":-3}}",
                "not json at all {\"", "{\"model\":5,\"usage\":{\"prompt_tokens\":\"7\"}}"}) {
            ModelUsage u = feed(ModelUsage.Mode.JSON, body, 2);
            assertThat(u.inputTokens()).as(body).isEqualTo(-1);
            assertThat(u.responseModel()).as(body).isNull();
        }
    }

    @Test
    void operationsAreTheModelApiPaths() {
        assertThat(ProxyMetrics.operation("/v1/chat/completions")).isEqualTo("chat");
        assertThat(ProxyMetrics.operation("/v1/chat/completions?x=1")).isEqualTo("chat");
        assertThat(ProxyMetrics.operation("/v1/completions")).isEqualTo("text_completion");
        assertThat(ProxyMetrics.operation("/openai/v1/embeddings")).isEqualTo("embeddings");
        assertThat(ProxyMetrics.operation("/v1/models")).isNull();
        assertThat(ProxyMetrics.operation("/v1/completions/x")).isNull();
    }

    @Test
    void modelLabelsAreCleanedAndBounded() {
        assertThat(GenAiMetrics.clean(null)).isEqualTo("unknown");
        assertThat(GenAiMetrics.clean("meta/llama-3.1:8b@q4")).isEqualTo("meta/llama-3.1:8b@q4");
        assertThat(GenAiMetrics.clean("a b\"c{}")).isEqualTo("a_b_c__");
        assertThat(GenAiMetrics.clean("x".repeat(500))).hasSize(128);
    }
}
