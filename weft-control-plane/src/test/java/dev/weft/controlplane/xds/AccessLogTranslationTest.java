package dev.weft.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import dev.weft.api.policy.AccessLogField;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.SpiffeId;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MeshConfig {@code telemetry.accessLog} as an access_log on every HTTP connection manager of a sidecar, and what
 * {@code weft proxy-config} shows of a snapshot (secrets without key material).
 */
class AccessLogTranslationTest {
    private static final String CHAT = """
            apiVersion: weft.dev/v1alpha1
            kind: Service
            metadata: {name: chat}
            spec: {ports: [{port: 8000}]}
            """;

    @TempDir
    Path dataDir;

    private static Node sidecar() {
        return Nodes.sidecar("app-1", "app", 15006, 8080, 15001,
                List.of(Map.of("service", "chat", "port", 9001)), Map.of());
    }

    private static List<HttpConnectionManager> managers(Snapshot snapshot) throws InvalidProtocolBufferException {
        List<HttpConnectionManager> out = new ArrayList<>();
        for (Listener l : snapshot.listeners().resources().values()) {
            for (FilterChain chain : l.getFilterChainsList()) {
                out.add(chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class));
            }
        }
        return out;
    }

    @Test
    void withoutAccessLogNoListenerLogs() throws Exception {
        Snapshot snapshot = new TestMesh(dataDir).apply(CHAT).snapshot(sidecar());

        assertThat(managers(snapshot)).isNotEmpty().allSatisfy(h -> assertThat(h.getAccessLogCount()).isZero());
    }

    @Test
    void aFileLogWithChosenFieldsIsOnEveryListenerOfTheSidecar() throws Exception {
        Snapshot snapshot = new TestMesh(dataDir).apply(CHAT + """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec:
                  telemetry:
                    accessLog: {path: /var/log/weft/access.log, fields: [method, path, response_flags, upstream_peer_uri_san]}
                """).snapshot(sidecar());

        // inbound, outbound and the per-upstream port all log
        assertThat(snapshot.listeners().resources()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(managers(snapshot)).allSatisfy(h -> {
            assertThat(h.getAccessLogCount()).isEqualTo(1);
            AccessLog log = h.getAccessLog(0);
            assertThat(log.getName()).isEqualTo("envoy.access_loggers.file");
            FileAccessLog file = log.getTypedConfig().unpack(FileAccessLog.class);
            assertThat(file.getPath()).isEqualTo("/var/log/weft/access.log");
            Map<String, Value> fields = file.getLogFormat().getJsonFormat().getFieldsMap();
            assertThat(fields.keySet()).containsExactly("method", "path", "response_flags", "upstream_peer_uri_san");
            assertThat(fields.get("response_flags").getStringValue()).isEqualTo("%RESPONSE_FLAGS%");
            assertThat(fields.get("upstream_peer_uri_san").getStringValue()).isEqualTo("%UPSTREAM_PEER_URI_SAN%");
        });
    }

    @Test
    void stdoutWithTheDefaultFieldsAndOnBothChainsOfAnMtlsInboundListener() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder(dataDir.resolve("ca"), "cluster.local").open();
        TestMesh mesh = new TestMesh(dataDir.resolve("store"));
        mesh.bundle = ca.bundle();
        mesh.apply(CHAT + """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: MeshConfig
                metadata: {name: mesh}
                spec: {telemetry: {accessLog: {path: stdout}}}
                """);
        Snapshot snapshot = mesh.snapshot(sidecar(), new SpiffeId("cluster.local", "default", "app"));

        Listener inbound = snapshot.listeners().resources().get(Translator.INBOUND);
        assertThat(inbound.getFilterChainsCount()).isEqualTo(2);
        assertThat(managers(snapshot)).allSatisfy(h -> {
            assertThat(h.getAccessLogList()).extracting(AccessLog::getName).containsExactly("envoy.access_loggers.stdout");
            StdoutAccessLog stdout = h.getAccessLog(0).getTypedConfig().unpack(StdoutAccessLog.class);
            assertThat(stdout.getLogFormat().getJsonFormat().getFieldsMap().keySet())
                    .containsExactlyElementsOf(AccessLogField.DEFAULTS.stream().map(AccessLogField::key).toList());
        });

        // and proxy-config shows the ROOTCA bundle's root, without any PEM or key
        JsonNode secrets = ProxyConfigView.render("app-1", "secrets", snapshot);
        assertThat(secrets.get("version").asText()).isEqualTo(snapshot.version(
                io.envoyproxy.controlplane.cache.Resources.ResourceType.SECRET));
        JsonNode rootCa = secrets.get("resources").get(0);
        assertThat(rootCa.get("name").asText()).isEqualTo("ROOTCA");
        assertThat(rootCa.get("kind").asText()).isEqualTo("trust bundle");
        JsonNode domain = rootCa.get("trust_domains").get(0);
        assertThat(domain.get("name").asText()).isEqualTo("cluster.local");
        assertThat(domain.get("roots").get(0).get("not_after").asText())
                .isEqualTo(ca.bundle().roots().get(0).getNotAfter().toInstant().toString());
        assertThat(secrets.toString()).doesNotContain("BEGIN").doesNotContain("PRIVATE");

        JsonNode listeners = ProxyConfigView.render("app-1", "listeners", snapshot);
        assertThat(listeners.get("resources")).hasSize(snapshot.listeners().resources().size());
        assertThat(listeners.toString()).contains("envoy.extensions.access_loggers.stream.v3.StdoutAccessLog");
    }
}
