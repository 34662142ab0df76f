package dev.weft.testkit.modelserver;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one model server, updated from its event loops and read by tests and /metrics. */
final class ServerMetrics {

    private record RouteStatus(String route, int status) {
    }

    private final LongAdder requests = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> requestsByRoute = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<RouteStatus, LongAdder> responses = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder tokens = new LongAdder();
    private final LongAdder bodyBytesReceived = new LongAdder();
    private final LongAdder bodyBytesSent = new LongAdder();

    void requestStarted(String route) {
        requests.increment();
        requestsByRoute.computeIfAbsent(route, r -> new LongAdder()).increment();
        inFlight.incrementAndGet();
    }

    void requestEnded() {
        inFlight.decrementAndGet();
    }

    void responded(String route, int status) {
        responses.computeIfAbsent(new RouteStatus(route, status), k -> new LongAdder()).increment();
    }

    void tokensGenerated(int count) {
        tokens.add(count);
    }

    void bodyBytesReceived(int count) {
        bodyBytesReceived.add(count);
    }

    void bodyBytesSent(int count) {
        bodyBytesSent.add(count);
    }

    long requests() {
        return requests.sum();
    }

    long requests(String route) {
        LongAdder adder = requestsByRoute.get(route);
        return adder == null ? 0 : adder.sum();
    }

    long responses(String route, int status) {
        LongAdder adder = responses.get(new RouteStatus(route, status));
        return adder == null ? 0 : adder.sum();
    }

    long responses(int status) {
        long sum = 0;
        for (Map.Entry<RouteStatus, LongAdder> e : responses.entrySet()) {
            if (e.getKey().status() == status) {
                sum += e.getValue().sum();
            }
        }
        return sum;
    }

    int inFlight() {
        return inFlight.get();
    }

    long tokens() {
        return tokens.sum();
    }

    long bodyBytesReceived() {
        return bodyBytesReceived.sum();
    }

    long bodyBytesSent() {
        return bodyBytesSent.sum();
    }

    /** The Prometheus text exposition (format 0.0.4) of these counters. */
    String prometheus(ModelServerConfig config, int queued) {
        StringBuilder out = new StringBuilder(1024);
        out.append("# HELP model_server_info The model and version this server simulates.\n")
                .append("# TYPE model_server_info gauge\n")
                .append("model_server_info{model=\"").append(escape(config.model()))
                .append("\",version=\"").append(escape(config.version()))
                .append("\",instance_id=\"").append(escape(config.instanceId())).append("\"} 1\n");
        out.append("# HELP model_server_requests_total Responses sent, by route and status.\n")
                .append("# TYPE model_server_requests_total counter\n");
        Map<String, Long> sorted = new TreeMap<>();
        responses.forEach((k, v) -> sorted.put(
                "path=\"" + escape(k.route()) + "\",status=\"" + k.status() + "\"", v.sum()));
        sorted.forEach((labels, value) ->
                out.append("model_server_requests_total{").append(labels).append("} ").append(value).append('\n'));
        gauge(out, "model_server_in_flight_requests", "Requests received and not yet answered.", inFlight());
        gauge(out, "model_server_queued_requests", "Completion requests waiting for a concurrency slot.", queued);
        counter(out, "model_server_tokens_generated_total", "Completion tokens generated.", tokens());
        counter(out, "model_server_request_body_bytes_total", "Request body bytes read by /sink and /echo.",
                bodyBytesReceived());
        counter(out, "model_server_response_body_bytes_total", "Body bytes written by /bytes and /echo.",
                bodyBytesSent());
        return out.toString();
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
