package dev.weft.proxy.metrics;

import dev.weft.proxy.config.HttpSettings;
import dev.weft.proxy.config.ListenerSpec;
import dev.weft.proxy.observe.Direction;
import dev.weft.proxy.observe.ExchangeObserver;
import dev.weft.proxy.observe.NodeIdentity;
import dev.weft.proxy.observe.RequestInfo;
import dev.weft.proxy.observe.Telemetry;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The metrics sink: every listener's exchanges feed the request metrics ({@link RequestMetrics}) and, for model
 * API calls ({@code POST .../chat/completions}, {@code /completions}, {@code /embeddings}, {@code /responses},
 * {@code /messages}), the GenAI metrics ({@link GenAiMetrics}). An inbound listener (traffic_direction INBOUND)
 * reports as the destination, any other as the source. The admin's {@code /stats/prometheus} writes them out.
 */
public final class ProxyMetrics implements Telemetry.Sink {
    /** Most label sets of the request metrics; more go to an overflow series. */
    public static final int MAX_REQUEST_SERIES = 10_000;
    /** Most label sets of the GenAI metrics. */
    public static final int MAX_MODEL_SERIES = 1_000;

    private final RequestMetrics requests;
    private final GenAiMetrics models;
    private final Observer source = new Observer(false);
    private final Observer destination = new Observer(true);

    public ProxyMetrics(NodeIdentity node) {
        this(node, MAX_REQUEST_SERIES, MAX_MODEL_SERIES);
    }

    ProxyMetrics(NodeIdentity node, int maxRequestSeries, int maxModelSeries) {
        this.requests = new RequestMetrics(node, maxRequestSeries);
        this.models = new GenAiMetrics(node, maxModelSeries);
    }

    @Override
    public ExchangeObserver observerFor(ListenerSpec listener, HttpSettings settings) {
        return listener.direction() == Direction.INBOUND ? destination : source;
    }

    /**
     * This proxy's SPIFFE identity, once known: its service account becomes the local workload label and the ID
     * the local principal.
     */
    public void localIdentity(String account, String spiffeId) {
        requests.localIdentity(account, spiffeId);
    }

    /** Writes the request and model families. */
    public void write(MetricWriter w) {
        requests.write(w);
        models.write(w);
        w.family(MetricWriter.Type.COUNTER, "weft_metrics_overflow_total",
                "Label sets not given a series of their own because their metrics had their maximum of series.");
        w.sample(MetricWriter.label("metric", "weft_requests_total"), requests.overflowed());
        w.sample(MetricWriter.label("metric", "gen_ai"), models.overflowed());
    }

    RequestMetrics requests() {
        return requests;
    }

    /** The model API operation a request path names (OpenTelemetry gen_ai.operation.name), null for none. */
    static String operation(String path) {
        if (path == null) {
            return null;
        }
        int end = path.indexOf('?');
        if (end < 0) {
            end = path.length();
        }
        if (endsWith(path, end, "/chat/completions") || endsWith(path, end, "/responses")
                || endsWith(path, end, "/messages")) {
            return "chat";
        }
        if (endsWith(path, end, "/completions")) {
            return "text_completion";
        }
        if (endsWith(path, end, "/embeddings")) {
            return "embeddings";
        }
        return null;
    }

    private static boolean endsWith(String s, int end, String suffix) {
        return end >= suffix.length() && s.regionMatches(end - suffix.length(), suffix, 0, suffix.length());
    }

    /** How to read a response body for usage, from its head. */
    static ModelUsage.Mode mode(HttpResponse head) {
        int status = head.status().code();
        HttpHeaders h = head.headers();
        String encoding = h.get(HttpHeaderNames.CONTENT_ENCODING);
        if (status < 200 || status >= 300 || encoding != null && !encoding.equalsIgnoreCase("identity")) {
            return ModelUsage.Mode.NONE;
        }
        String type = h.get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null) {
            return ModelUsage.Mode.NONE;
        }
        if (type.regionMatches(true, 0, "text/event-stream", 0, "text/event-stream".length())) {
            return ModelUsage.Mode.SSE;
        }
        if (type.regionMatches(true, 0, "application/json", 0, "application/json".length())) {
            return ModelUsage.Mode.JSON;
        }
        return ModelUsage.Mode.NONE;
    }

    /** One per reporter: holds no per-exchange state (that is in the RequestInfo). */
    private final class Observer implements ExchangeObserver {
        private final boolean destination;

        Observer(boolean destination) {
            this.destination = destination;
        }

        @Override
        public void onRequestHead(RequestInfo info, HttpRequest request) {
            if (HttpMethod.POST.equals(request.method())) {
                String op = operation(request.uri());
                if (op != null) {
                    info.usage(new ModelUsage(op));
                }
            }
        }

        @Override
        public void onRequestContent(RequestInfo info, ByteBuf content) {
            if (info.usage() instanceof ModelUsage u) {
                u.requestContent(content);
            }
        }

        @Override
        public void onResponseHead(RequestInfo info, HttpResponse head) {
            if (info.usage() instanceof ModelUsage u) {
                u.responseMode(mode(head));
            }
        }

        @Override
        public void onResponseContent(RequestInfo info, ByteBuf content) {
            if (info.usage() instanceof ModelUsage u && u.responseMode() != ModelUsage.Mode.NONE) {
                u.responseContent(content, System.nanoTime());
            }
        }

        @Override
        public void onComplete(RequestInfo info) {
            if (info.usage() instanceof ModelUsage u) {
                models.record(info, u, destination);
            }
            // the request counter last: a scrape that counts the request sees everything else recorded for it
            requests.record(info, destination);
        }
    }
}
