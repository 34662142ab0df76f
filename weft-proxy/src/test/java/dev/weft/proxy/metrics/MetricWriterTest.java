package dev.weft.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The two exposition formats, byte for byte where they differ. */
class MetricWriterTest {

    private static String write(MetricWriter.Format format) {
        MetricWriter w = new MetricWriter(format);
        w.family(MetricWriter.Type.COUNTER, "weft_requests_total", "Requests.");
        w.sample(MetricWriter.labels(new String[] {"route", "odd"}, new String[] {"a/b", "q\"\\\n"}), 3);
        w.family(MetricWriter.Type.GAUGE, "weft_up", "Up.");
        w.sample("", 1);
        Histogram h = new Histogram(new Buckets(1_000_000, 0.5, 1, 5));
        h.record(400_000);   // 0.4 ms
        h.record(1_000_000); // 1 ms: on a bound, counted in it
        h.record(7_000_000); // 7 ms: +Inf
        w.family(MetricWriter.Type.HISTOGRAM, "weft_request_duration_milliseconds", "Durations.");
        w.sample(MetricWriter.label("route", "r"), h.snapshot(), h.buckets());
        return w.finish();
    }

    @Test
    void prometheusTextNamesCounterFamiliesWithTotal() {
        assertThat(write(MetricWriter.Format.PROMETHEUS)).isEqualTo("""
                # HELP weft_requests_total Requests.
                # TYPE weft_requests_total counter
                weft_requests_total{route="a/b",odd="q\\"\\\\\\n"} 3.0
                # HELP weft_up Up.
                # TYPE weft_up gauge
                weft_up 1.0
                # HELP weft_request_duration_milliseconds Durations.
                # TYPE weft_request_duration_milliseconds histogram
                weft_request_duration_milliseconds_bucket{route="r",le="0.5"} 1
                weft_request_duration_milliseconds_bucket{route="r",le="1.0"} 2
                weft_request_duration_milliseconds_bucket{route="r",le="5.0"} 2
                weft_request_duration_milliseconds_bucket{route="r",le="+Inf"} 3
                weft_request_duration_milliseconds_count{route="r"} 3
                weft_request_duration_milliseconds_sum{route="r"} 8.4
                """);
    }

    @Test
    void openMetricsNamesCounterFamiliesWithoutTotalAndEndsWithEof() {
        String om = write(MetricWriter.Format.OPENMETRICS);
        assertThat(om).startsWith("""
                # HELP weft_requests Requests.
                # TYPE weft_requests counter
                weft_requests_total{route="a/b",odd="q\\"\\\\\\n"} 3.0
                """);
        assertThat(om).endsWith("weft_request_duration_milliseconds_sum{route=\"r\"} 8.4\n# EOF\n");
    }

    @Test
    void theAcceptHeaderPicksTheFormat() {
        assertThat(MetricWriter.Format.negotiate("application/openmetrics-text;version=1.0.0,"
                + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"))
                .isEqualTo(MetricWriter.Format.OPENMETRICS);
        assertThat(MetricWriter.Format.negotiate("text/plain")).isEqualTo(MetricWriter.Format.PROMETHEUS);
        assertThat(MetricWriter.Format.negotiate(null)).isEqualTo(MetricWriter.Format.PROMETHEUS);
    }

    @Test
    void aFamilyIsWrittenOnce() {
        MetricWriter w = new MetricWriter(MetricWriter.Format.PROMETHEUS);
        w.family(MetricWriter.Type.COUNTER, "x_total", "x");
        assertThatThrownBy(() -> w.family(MetricWriter.Type.COUNTER, "x", "x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void namesAreSanitised() {
        assertThat(MetricWriter.sanitize("cluster.outbound|chat.default|80.upstream_rq_2xx"))
                .isEqualTo("cluster_outbound_chat_default_80_upstream_rq_2xx");
        assertThat(MetricWriter.sanitize("9lives")).isEqualTo("_lives");
    }
}
