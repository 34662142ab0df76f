package dev.weft.proxy.metrics;

import dev.weft.proxy.config.ClusterSpec;
import dev.weft.proxy.observe.NodeIdentity;
import dev.weft.proxy.observe.RequestInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Model-serving metrics from what OpenAI-style responses report ({@link ModelUsage}), named after the
 * OpenTelemetry GenAI semantic conventions as Prometheus spells them: {@code gen_ai_client_token_usage}
 * (histogram by {@code gen_ai_token_type} input|output), {@code gen_ai_server_time_to_first_token_seconds} and
 * {@code gen_ai_server_time_per_output_token_seconds} (streamed responses), and plain counters
 * {@code weft_gen_ai_input_tokens_total} and {@code weft_gen_ai_output_tokens_total}. Labels:
 * {@code gen_ai_operation_name}, {@code gen_ai_request_model}, {@code gen_ai_response_model},
 * {@code destination_service}, {@code reporter}. Model names come from bodies, so they are cleaned (at most
 * {@value JsonScanner#MAX_MODEL} characters of {@code [A-Za-z0-9._:/@+-]}) and the series are bounded as the
 * request metrics are.
 */
final class GenAiMetrics {
    static final String[] LABELS = {"gen_ai_operation_name", "gen_ai_request_model", "gen_ai_response_model",
        "destination_service", "reporter"};

    private final NodeIdentity node;
    private final int maxSeries;
    private final ConcurrentHashMap<Key, Series> series = new ConcurrentHashMap<>();
    private final Series[] overflow = new Series[2];
    private final LongAdder overflowed = new LongAdder();

    private record Key(String operation, String requestModel, String responseModel, String service, boolean destination) {}

    static final class Series {
        final String labels;
        final Histogram inputUsage = new Histogram(Buckets.TOKENS);
        final Histogram outputUsage = new Histogram(Buckets.TOKENS);
        final LongAdder inputTokens = new LongAdder();
        final LongAdder outputTokens = new LongAdder();
        final Histogram timeToFirstToken = new Histogram(Buckets.TIME_TO_FIRST_TOKEN_S);
        final Histogram timePerOutputToken = new Histogram(Buckets.TIME_PER_OUTPUT_TOKEN_S);

        Series(String labels) {
            this.labels = labels;
        }
    }

    GenAiMetrics(NodeIdentity node, int maxSeries) {
        this.node = node;
        this.maxSeries = maxSeries;
        for (int r = 0; r < 2; r++) {
            overflow[r] = new Series(MetricWriter.labels(LABELS,
                    new String[] {"overflow", "overflow", "overflow", "overflow", r == 0 ? "source" : "destination"}));
        }
    }

    /** Records what a completed model exchange reported (nothing when its response was not a 2xx). */
    void record(RequestInfo info, ModelUsage usage, boolean destination) {
        if (info.status() < 200 || info.status() >= 300 || usage.responseMode() == ModelUsage.Mode.NONE) {
            return;
        }
        long in = usage.inputTokens();
        long out = usage.outputTokens();
        boolean streamedFirst = usage.streamed() && usage.firstEventNanos() != 0;
        if (in < 0 && out < 0 && !streamedFirst) {
            return;
        }
        Series s = series(info, usage, destination);
        if (in >= 0) {
            s.inputUsage.record(in);
            s.inputTokens.add(in);
        }
        if (out >= 0) {
            s.outputUsage.record(out);
            s.outputTokens.add(out);
        }
        if (streamedFirst) {
            s.timeToFirstToken.record(usage.firstEventNanos() - info.startNanos());
            if (out > 1 && usage.lastTokenNanos() > usage.firstEventNanos()) {
                s.timePerOutputToken.record((usage.lastTokenNanos() - usage.firstEventNanos()) / (out - 1));
            }
        }
    }

    private Series series(RequestInfo info, ModelUsage usage, boolean destination) {
        String service;
        if (destination) {
            service = node.service();
        } else {
            ClusterSpec c = info.upstreamCluster();
            service = c == null ? RequestMetrics.UNKNOWN
                    : c.service().service() != null ? c.service().service() : c.name();
        }
        Key key = new Key(usage.operation, clean(usage.requestModel()), clean(usage.responseModel()), service,
                destination);
        Series s = series.get(key);
        if (s != null) {
            return s;
        }
        if (series.size() >= maxSeries) {
            overflowed.increment();
            return overflow[destination ? 1 : 0];
        }
        return series.computeIfAbsent(key, k -> new Series(MetricWriter.labels(LABELS, new String[] {
            k.operation(), k.requestModel(), k.responseModel(), k.service(), k.destination() ? "destination" : "source"})));
    }

    /** A model name fit for a label: "unknown" when absent, else at most 128 characters, odd ones as '_'. */
    static String clean(String model) {
        if (model == null || model.isEmpty()) {
            return RequestMetrics.UNKNOWN;
        }
        StringBuilder sb = new StringBuilder(Math.min(model.length(), JsonScanner.MAX_MODEL));
        for (int i = 0; i < model.length() && i < JsonScanner.MAX_MODEL; i++) {
            char ch = model.charAt(i);
            boolean ok = ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9'
                    || ch == '.' || ch == '_' || ch == ':' || ch == '/' || ch == '@' || ch == '+' || ch == '-';
            sb.append(ok ? ch : '_');
        }
        return sb.toString();
    }

    /** Label sets that went to the overflow series. */
    long overflowed() {
        return overflowed.sum();
    }

    void write(MetricWriter w) {
        List<Series> all = new ArrayList<>(series.values());
        all.sort((a, b) -> a.labels.compareTo(b.labels));
        for (Series o : overflow) {
            if (o.inputTokens.sum() + o.outputTokens.sum() + o.timeToFirstToken.snapshot().count() > 0) {
                all.add(o);
            }
        }
        w.family(MetricWriter.Type.HISTOGRAM, "gen_ai_client_token_usage",
                "Tokens per model request (OpenTelemetry gen_ai.client.token.usage), by gen_ai_token_type.");
        for (Series s : all) {
            w.sample(s.labels + ",gen_ai_token_type=\"input\"", s.inputUsage.snapshot(), Buckets.TOKENS);
            w.sample(s.labels + ",gen_ai_token_type=\"output\"", s.outputUsage.snapshot(), Buckets.TOKENS);
        }
        w.family(MetricWriter.Type.COUNTER, "weft_gen_ai_input_tokens_total", "Input (prompt) tokens the responses reported.");
        for (Series s : all) {
            w.sample(s.labels, s.inputTokens.sum());
        }
        w.family(MetricWriter.Type.COUNTER, "weft_gen_ai_output_tokens_total",
                "Output (completion) tokens the responses reported.");
        for (Series s : all) {
            w.sample(s.labels, s.outputTokens.sum());
        }
        w.family(MetricWriter.Type.HISTOGRAM, "gen_ai_server_time_to_first_token_seconds",
                "Time from the request to the first event of a streamed response, in seconds.");
        for (Series s : all) {
            w.sample(s.labels, s.timeToFirstToken.snapshot(), Buckets.TIME_TO_FIRST_TOKEN_S);
        }
        w.family(MetricWriter.Type.HISTOGRAM, "gen_ai_server_time_per_output_token_seconds",
                "Time per output token after the first of a streamed response, in seconds.");
        for (Series s : all) {
            w.sample(s.labels, s.timePerOutputToken.snapshot(), Buckets.TIME_PER_OUTPUT_TOKEN_S);
        }
    }
}
