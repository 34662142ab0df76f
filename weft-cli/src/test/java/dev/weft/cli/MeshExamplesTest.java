package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.api.Kind;
import dev.weft.api.ResourceLoader;
import dev.weft.api.ResourceSet;
import dev.weft.api.policy.MeshConfigSpec;
import dev.weft.api.policy.TracingProvider;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The mesh resources the README and the demo point at stay valid. */
class MeshExamplesTest {

    @Test
    void everyExampleLoads() throws Exception {
        // when
        ResourceSet all = new ResourceLoader().load(Path.of("../examples/mesh/chat.yaml"));
        ResourceSet half = new ResourceLoader().load(Path.of("../examples/mesh/canary-50.yaml"));
        ResourceSet full = new ResourceLoader().load(Path.of("../examples/mesh/canary-100.yaml"));

        // then
        assertThat(all.ofKind(Kind.SERVICE)).hasSize(1);
        assertThat(all.ofKind(Kind.DESTINATION_POLICY)).hasSize(1);
        assertThat(all.ofKind(Kind.HTTP_ROUTE)).hasSize(1);
        assertThat(half.keys()).isEqualTo(full.keys()).containsExactlyElementsOf(
                all.ofKind(Kind.HTTP_ROUTE).stream().map(r -> r.key()).toList());
    }

    @Test
    void theTracingExampleTracesOnePercentToZipkin() throws Exception {
        ResourceSet tracing = new ResourceLoader().load(Path.of("../examples/mesh/tracing.yaml"));

        MeshConfigSpec mesh = tracing.ofType(MeshConfigSpec.class).get(0).spec();
        assertThat(mesh.telemetry().tracing().samplingPercent()).isEqualTo(1.0);
        assertThat(mesh.telemetry().tracing().provider()).isEqualTo(TracingProvider.ZIPKIN);
        assertThat(mesh.telemetry().tracing().endpoint().url()).isEqualTo("http://127.0.0.1:9411/api/v2/spans");
    }

    @Test
    void theAccessLogExampleLogsBothIdentitiesToStandardOutput() throws Exception {
        ResourceSet logs = new ResourceLoader().load(Path.of("../examples/mesh/access-log.yaml"));

        dev.weft.api.policy.AccessLog log = logs.ofType(MeshConfigSpec.class).get(0).spec().telemetry().accessLog();
        assertThat(log.enabled()).isTrue();
        assertThat(log.toStdout()).isTrue();
        assertThat(log.fields()).contains(dev.weft.api.policy.AccessLogField.RESPONSE_FLAGS,
                dev.weft.api.policy.AccessLogField.DOWNSTREAM_PEER_URI_SAN,
                dev.weft.api.policy.AccessLogField.UPSTREAM_PEER_URI_SAN);
    }
}
