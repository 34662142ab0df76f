package dev.weft.testkit.modelserver;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How a simulated model server behaves: which model it serves, how fast it "generates" tokens, how
 * often it fails and how much load it accepts. Immutable; build one with {@link #builder()}.
 *
 * @param model the model name requests must name (or omit)
 * @param version a version label returned in {@code x-model-version} on every response
 * @param instanceId a label returned in {@code x-model-server-instance} on every response
 * @param host the address to bind
 * @param timeToFirstToken from the start of processing to the first token
 * @param tokensPerSecond the pace of the following tokens
 * @param extraLatency added before the response starts (before the stream's headers, before TTFT)
 * @param errorRate the share (0..1) of completion requests answered with a 500 OpenAI-style error
 * @param maxConcurrency completion requests processed at once; 0 means unlimited
 * @param maxQueue completion requests waiting (FIFO) beyond {@code maxConcurrency}; more get a 429
 * @param responseTokens the completion length when a request gives no max_tokens
 * @param maxResponseTokens the cap on a request's max_tokens / max_completion_tokens
 * @param maxRequestBytes the largest completion request body accepted (413 beyond)
 * @param h2c whether to accept HTTP/2 with prior knowledge alongside HTTP/1.1 on the same port
 * @param ioThreads event loop threads of this server
 */
public record ModelServerConfig(
        String model,
        String version,
        String instanceId,
        String host,
        Duration timeToFirstToken,
        double tokensPerSecond,
        Duration extraLatency,
        double errorRate,
        int maxConcurrency,
        int maxQueue,
        int responseTokens,
        int maxResponseTokens,
        int maxRequestBytes,
        boolean h2c,
        int ioThreads) {

    /** Validates every field; the message names the field and what was expected. */
    public ModelServerConfig {
        requireText(model, "model");
        requireText(version, "version");
        requireText(instanceId, "instanceId");
        requireText(host, "host");
        requireNonNegative(timeToFirstToken, "timeToFirstToken");
        requireNonNegative(extraLatency, "extraLatency");
        check(tokensPerSecond > 0 && Double.isFinite(tokensPerSecond),
                "tokensPerSecond: %s (expected: a finite number > 0)", tokensPerSecond);
        check(errorRate >= 0 && errorRate <= 1, "errorRate: %s (expected: between 0 and 1)", errorRate);
        check(maxConcurrency >= 0, "maxConcurrency: %s (expected: >= 0, 0 for unlimited)", maxConcurrency);
        check(maxQueue >= 0, "maxQueue: %s (expected: >= 0)", maxQueue);
        check(responseTokens >= 1, "responseTokens: %s (expected: >= 1)", responseTokens);
        check(maxResponseTokens >= responseTokens,
                "maxResponseTokens: %s (expected: >= responseTokens %s)", maxResponseTokens, responseTokens);
        check(maxRequestBytes >= 1024, "maxRequestBytes: %s (expected: >= 1024)", maxRequestBytes);
        check(ioThreads >= 1, "ioThreads: %s (expected: >= 1)", ioThreads);
    }

    /** A builder with defaults suited to fast tests: 10 ms TTFT, 1000 tokens/s, 16 tokens, no errors. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults of {@link #builder()}. */
    public static ModelServerConfig defaults() {
        return builder().build();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder()
                .model(model).version(version).instanceId(instanceId).host(host)
                .timeToFirstToken(timeToFirstToken).tokensPerSecond(tokensPerSecond).extraLatency(extraLatency)
                .errorRate(errorRate).maxConcurrency(maxConcurrency).maxQueue(maxQueue)
                .responseTokens(responseTokens).maxResponseTokens(maxResponseTokens)
                .maxRequestBytes(maxRequestBytes).h2c(h2c).ioThreads(ioThreads);
    }

    /** Builds a {@link ModelServerConfig}; unset fields keep their defaults. */
    public static final class Builder {
        private String model = "weft-sim";
        private String version = "v1";
        private String instanceId;
        private String host = "127.0.0.1";
        private Duration timeToFirstToken = Duration.ofMillis(10);
        private double tokensPerSecond = 1000;
        private Duration extraLatency = Duration.ZERO;
        private double errorRate;
        private int maxConcurrency;
        private int maxQueue = 1024;
        private int responseTokens = 16;
        private int maxResponseTokens = 4096;
        private int maxRequestBytes = 8 * 1024 * 1024;
        private boolean h2c;
        private int ioThreads = 1;

        private Builder() {
        }

        /** The model name; default {@code weft-sim}. */
        public Builder model(String model) {
            this.model = model;
            return this;
        }

        /** The version label; default {@code v1}. */
        public Builder version(String version) {
            this.version = version;
            return this;
        }

        /** The instance label; default a random {@code model-server-xxxxxxxx}. */
        public Builder instanceId(String instanceId) {
            this.instanceId = instanceId;
            return this;
        }

        /** The bind address; default {@code 127.0.0.1}. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** Time to first token; default 10 ms. */
        public Builder timeToFirstToken(Duration timeToFirstToken) {
            this.timeToFirstToken = timeToFirstToken;
            return this;
        }

        /** Token pace after the first; default 1000/s. */
        public Builder tokensPerSecond(double tokensPerSecond) {
            this.tokensPerSecond = tokensPerSecond;
            return this;
        }

        /** Latency before the response starts; default none. */
        public Builder extraLatency(Duration extraLatency) {
            this.extraLatency = extraLatency;
            return this;
        }

        /** Share of completion requests failing with 500; default 0. */
        public Builder errorRate(double errorRate) {
            this.errorRate = errorRate;
            return this;
        }

        /** Completion requests processed at once, 0 for unlimited; default unlimited. */
        public Builder maxConcurrency(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
            return this;
        }

        /** Completion requests allowed to wait for a slot; default 1024. */
        public Builder maxQueue(int maxQueue) {
            this.maxQueue = maxQueue;
            return this;
        }

        /** Completion length without max_tokens; default 16. */
        public Builder responseTokens(int responseTokens) {
            this.responseTokens = responseTokens;
            return this;
        }

        /** Cap on a request's max_tokens; default 4096. */
        public Builder maxResponseTokens(int maxResponseTokens) {
            this.maxResponseTokens = maxResponseTokens;
            return this;
        }

        /** Largest completion request body; default 8 MiB. */
        public Builder maxRequestBytes(int maxRequestBytes) {
            this.maxRequestBytes = maxRequestBytes;
            return this;
        }

        /** Accept HTTP/2 prior knowledge too; default off. */
        public Builder h2c(boolean h2c) {
            this.h2c = h2c;
            return this;
        }

        /** Event loop threads; default 1. */
        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** Validates and builds. */
        public ModelServerConfig build() {
            String id = instanceId != null ? instanceId
                    : String.format("model-server-%08x", ThreadLocalRandom.current().nextInt());
            return new ModelServerConfig(model, version, id, host, timeToFirstToken, tokensPerSecond,
                    extraLatency, errorRate, maxConcurrency, maxQueue, responseTokens, maxResponseTokens,
                    maxRequestBytes, h2c, ioThreads);
        }
    }

    private static void requireText(String value, String field) {
        check(value != null && !value.isBlank(), "%s: %s (expected: non-blank text)", field, value);
    }

    private static void requireNonNegative(Duration value, String field) {
        Objects.requireNonNull(value, field);
        check(!value.isNegative(), "%s: %s (expected: >= 0)", field, value);
    }

    private static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }
}
