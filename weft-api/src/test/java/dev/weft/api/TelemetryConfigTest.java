package dev.weft.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.api.policy.AccessLog;
import dev.weft.api.policy.AccessLogField;
import dev.weft.api.policy.CollectorEndpoint;
import dev.weft.api.policy.MeshConfigSpec;
import dev.weft.api.policy.Telemetry;
import dev.weft.api.policy.Tracing;
import dev.weft.api.policy.TracingProvider;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** MeshConfig {@code spec.telemetry}: tracing and access log, read, defaulted, validated with field paths. */
class TelemetryConfigTest {

    private static MeshConfigSpec mesh(String spec) {
        return Loads.load(Loads.document("weft.dev/v1alpha1", "MeshConfig", "mesh", spec))
                .ofType(MeshConfigSpec.class).get(0).spec();
    }

    private static List<String> problems(String spec) {
        return Loads.problems(Loads.document("weft.dev/v1alpha1", "MeshConfig", "mesh", spec));
    }

    @Test
    void noTelemetryMeansNone() {
        assertThat(mesh("{}").telemetry()).isEqualTo(Telemetry.NONE);
        assertThat(MeshConfigSpec.DEFAULT.telemetry()).isEqualTo(Telemetry.NONE);
    }

    @Test
    void zipkinTracingWithSamplingPercent() {
        Tracing tracing = mesh("telemetry: {tracing: {samplingPercent: 2.5, zipkin: "
                + "{endpoint: \"http://zipkin.observability:9411/api/v2/spans\"}}}").telemetry().tracing();

        assertThat(tracing).isEqualTo(new Tracing(2.5, TracingProvider.ZIPKIN,
                new CollectorEndpoint("zipkin.observability", 9411, "/api/v2/spans")));
    }

    @Test
    void otlpGetsItsDefaultPathPortAndSampling() {
        Tracing tracing = mesh("telemetry: {tracing: {otlp: {endpoint: \"http://[::1]\"}}}").telemetry().tracing();

        assertThat(tracing.provider()).isEqualTo(TracingProvider.OTLP);
        assertThat(tracing.samplingPercent()).isEqualTo(Tracing.DEFAULT_SAMPLING_PERCENT);
        assertThat(tracing.endpoint()).isEqualTo(new CollectorEndpoint("::1", 80, "/v1/traces"));
        assertThat(tracing.endpoint().url()).isEqualTo("http://[::1]:80/v1/traces");
    }

    @Test
    void accessLogDefaultsToStdoutWithTheDefaultFields() {
        AccessLog log = mesh("telemetry: {accessLog: {}}").telemetry().accessLog();

        assertThat(log).isEqualTo(new AccessLog(true, "stdout", List.of()));
        assertThat(log.toStdout()).isTrue();
        assertThat(log.effectiveFields()).isEqualTo(AccessLogField.DEFAULTS);
        assertThat(mesh("telemetry: {tracing: {zipkin: {endpoint: \"http://127.0.0.1:9411\"}}}").telemetry()
                .accessLog()).isNull();
    }

    @Test
    void accessLogToAFileWithChosenFields() {
        AccessLog log = mesh("telemetry: {accessLog: {enabled: false, path: /var/log/weft/access.log, "
                + "fields: [trace_id, response_flags, upstream_peer_uri_san]}}").telemetry().accessLog();

        assertThat(log.enabled()).isFalse();
        assertThat(log.path()).isEqualTo("/var/log/weft/access.log");
        assertThat(log.effectiveFields()).containsExactly(AccessLogField.TRACE_ID, AccessLogField.RESPONSE_FLAGS,
                AccessLogField.UPSTREAM_PEER_URI_SAN);
        assertThat(AccessLogField.RESPONSE_FLAGS.operator()).isEqualTo("%RESPONSE_FLAGS%");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "telemetry: {tracing: {samplingPercent: 101, zipkin: {endpoint: \"http://a:1\"}}}"
                + "|spec.telemetry.tracing.samplingPercent: must be between 0 and 100, got 101",
        "telemetry: {tracing: {samplingPercent: \"5%\", zipkin: {endpoint: \"http://a:1\"}}}"
                + "|spec.telemetry.tracing.samplingPercent: must be a number, got string \"5%\"",
        "telemetry: {tracing: {samplingPercent: 5}}"
                + "|spec.telemetry.tracing: needs a provider: one of zipkin, otlp",
        "telemetry: {tracing: {zipkin: {endpoint: \"http://a:1\"}, otlp: {endpoint: \"http://a:2\"}}}"
                + "|spec.telemetry.tracing.otlp: only one provider may be set, zipkin is set too",
        "telemetry: {tracing: {zipkin: {}}}"
                + "|spec.telemetry.tracing.zipkin.endpoint: is required",
        "telemetry: {tracing: {zipkin: {endpoint: \"https://a:9411/api/v2/spans\"}}}"
                + "|spec.telemetry.tracing.zipkin.endpoint: must be an http:// URL (collectors are reached in "
                + "plaintext), got \"https://a:9411/api/v2/spans\"",
        "telemetry: {tracing: {otlp: {endpoint: \"http://a:4318/v1/traces?x=1\"}}}"
                + "|spec.telemetry.tracing.otlp.endpoint: must be http://host[:port][/path] with no user, query or "
                + "fragment, got \"http://a:4318/v1/traces?x=1\"",
        "telemetry: {tracing: {otlp: {endpoint: \"http://a b/\"}}}"
                + "|spec.telemetry.tracing.otlp.endpoint: must be a URL such as http://127.0.0.1:9411/v1/traces: "
                + "Illegal character in authority at index 7 of \"http://a b/\"",
        "telemetry: {accessLog: {path: access.log}}"
                + "|spec.telemetry.accessLog.path: must be \"stdout\" or an absolute file path, got \"access.log\"",
        "telemetry: {accessLog: {enabled: yes please}}"
                + "|spec.telemetry.accessLog.enabled: must be true or false, got string \"yes please\"",
        "telemetry: {accessLog: {fields: [method, method]}}"
                + "|spec.telemetry.accessLog.fields[1]: duplicate field \"method\"",
        "telemetry: {logs: {}}"
                + "|spec.telemetry.logs: unknown field; expected one of: tracing, accessLog",
    })
    void problemsNameTheirFieldPath(String spec, String problem) {
        assertThat(problems(spec)).singleElement().asString().endsWith(problem);
    }

    @Test
    void anUnknownProviderIsNamedAndNoneIsSet() {
        assertThat(problems("telemetry: {tracing: {jaeger: {endpoint: \"http://a:1\"}}}")).containsExactly(
                "test.yaml (document 1, MeshConfig mesh): spec.telemetry.tracing.jaeger: unknown field; expected one "
                        + "of: samplingPercent, zipkin, otlp",
                "test.yaml (document 1, MeshConfig mesh): spec.telemetry.tracing: needs a provider: one of zipkin, otlp");
    }

    @Test
    void anUnknownAccessLogFieldListsTheKnownOnes() {
        assertThat(problems("telemetry: {accessLog: {fields: [method, status]}}")).singleElement().asString()
                .contains("spec.telemetry.accessLog.fields[1]: unknown access log field \"status\"; expected one of: "
                        + "start_time, method, authority, path,")
                .contains("response_code");
    }
}
