package dev.weft.controlplane.stats;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What one scrape of a proxy's {@code /stats/prometheus} says, reduced to what the views need: per {@link TrafficKey}
 * the requests ({@code weft_requests_total}), failed requests (a 5xx, no response, or a gRPC status other than OK) and
 * the duration histogram ({@code weft_request_duration_milliseconds_bucket}) summed over the other labels (route,
 * response code, version, ...); and the earliest expiry of a certificate the proxy presents
 * ({@code weft_certificate_expiry_seconds} not of {@code type="ca"}, seconds from the scrape).
 *
 * @param certificateExpirySeconds null when the proxy reports no certificate
 */
public record ProxyMetrics(Map<TrafficKey, Traffic> traffic, Double certificateExpirySeconds) {

    static final String REQUESTS = "weft_requests_total";
    static final String DURATION_BUCKET = "weft_request_duration_milliseconds_bucket";
    static final String CERTIFICATE_EXPIRY = "weft_certificate_expiry_seconds";

    public ProxyMetrics {
        traffic = Map.copyOf(traffic);
    }

    /** Reduces a scrape's samples (see {@link PrometheusText#parse}). */
    public static ProxyMetrics from(List<PrometheusText.Sample> samples) {
        Map<TrafficKey, double[]> counts = new HashMap<>();
        Map<TrafficKey, NavigableMap<Double, Double>> buckets = new HashMap<>();
        Double expiry = null;
        for (PrometheusText.Sample sample : samples) {
            switch (sample.name()) {
                case REQUESTS -> {
                    double[] c = counts.computeIfAbsent(key(sample), k -> new double[2]);
                    c[0] += sample.value();
                    if (failed(sample.label("response_code"), sample.label("grpc_response_status"))) {
                        c[1] += sample.value();
                    }
                }
                case DURATION_BUCKET -> {
                    String le = sample.labels().get("le");
                    if (le != null) {
                        buckets.computeIfAbsent(key(sample), k -> new TreeMap<>())
                                .merge(PrometheusText.bound(le), sample.value(), Double::sum);
                    }
                }
                case CERTIFICATE_EXPIRY -> {
                    // the certificates the proxy presents; the roots it trusts (type "ca") outlive them by years
                    if (!Double.isNaN(sample.value()) && !sample.label("type").equals("ca")) {
                        expiry = expiry == null ? sample.value() : Math.min(expiry, sample.value());
                    }
                }
                default -> {
                }
            }
        }
        Map<TrafficKey, Traffic> traffic = new HashMap<>();
        for (Map.Entry<TrafficKey, double[]> e : counts.entrySet()) {
            traffic.put(e.getKey(), new Traffic(e.getValue()[0], e.getValue()[1],
                    buckets.getOrDefault(e.getKey(), new TreeMap<>()), 0));
        }
        return new ProxyMetrics(traffic, expiry);
    }

    /**
     * Whether a request failed, as linkerd and Kiali count errors: a 5xx status, no status at all (the proxy could not
     * answer: 0), or a gRPC status other than OK.
     */
    static boolean failed(String responseCode, String grpcStatus) {
        if (!grpcStatus.isEmpty() && !grpcStatus.equals("-") && !grpcStatus.equals("0") && !grpcStatus.equals("OK")) {
            return true;
        }
        if (responseCode.length() != 3) {
            return true;
        }
        char first = responseCode.charAt(0);
        return first < '1' || first > '4';
    }

    private static TrafficKey key(PrometheusText.Sample sample) {
        return new TrafficKey(sample.label("reporter"), sample.label("source_workload"),
                sample.label("source_namespace"), sample.label("destination_service"),
                sample.label("destination_namespace"));
    }
}
