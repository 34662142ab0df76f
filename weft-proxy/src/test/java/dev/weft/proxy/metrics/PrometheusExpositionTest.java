package dev.weft.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.tls.CertificateSecret;
import dev.weft.proxy.tls.Credential;
import dev.weft.proxy.tls.MeshPki;
import dev.weft.proxy.tls.TlsSecret;
import dev.weft.proxy.tls.ValidationSecret;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Envoy-style stats as Prometheus families, and the certificates' remaining lifetimes. */
class PrometheusExpositionTest {
    @TempDir
    Path dir;

    @Test
    void taggedPrefixesBecomeLabelsAndUpDownCountersGauges() {
        Stats stats = new Stats();
        String cluster = "outbound|chat.default|80";
        stats.tag("cluster." + cluster + ".", "cluster.", "cluster_name", cluster);
        stats.counter("cluster." + cluster + ".upstream_rq_total").add(5);
        stats.counter("cluster." + cluster + ".upstream_rq_retry").add(2);
        stats.upDownCounter("cluster." + cluster + ".upstream_cx_active").add(3);
        stats.tag("http.in.", "http.", "http_conn_manager_prefix", "in");
        stats.tag("http.in.rbac.policy.ns[a]-policy[b]-rule[0].", "http.rbac.policy.", "http_conn_manager_prefix", "in",
                "policy", "ns[a]-policy[b]-rule[0]");
        stats.counter("http.in.rbac.denied").increment();
        stats.counter("http.in.rbac.policy.ns[a]-policy[b]-rule[0].denied").add(4);
        stats.gauge("xds.connected", () -> 1);

        MetricWriter w = new MetricWriter(MetricWriter.Format.PROMETHEUS);
        PrometheusExposition.stats(w, stats);
        String out = w.finish();

        assertThat(out).contains("""
                # TYPE weft_cluster_upstream_rq_total counter
                weft_cluster_upstream_rq_total{cluster_name="outbound|chat.default|80"} 5.0
                """).contains("""
                # TYPE weft_cluster_upstream_rq_retry_total counter
                weft_cluster_upstream_rq_retry_total{cluster_name="outbound|chat.default|80"} 2.0
                """).contains("""
                # TYPE weft_cluster_upstream_cx_active gauge
                weft_cluster_upstream_cx_active{cluster_name="outbound|chat.default|80"} 3.0
                """).contains("""
                weft_http_rbac_denied_total{http_conn_manager_prefix="in"} 1.0
                """).contains("""
                weft_http_rbac_policy_denied_total{http_conn_manager_prefix="in",policy="ns[a]-policy[b]-rule[0]"} 4.0
                """).contains("""
                # TYPE weft_xds_connected gauge
                weft_xds_connected 1.0
                """);
    }

    @Test
    void everyCertificateAndRootShowsTheSecondsItHasLeft() throws Exception {
        MeshPki pki = MeshPki.open(dir.resolve("ca"), MeshPki.TRUST_DOMAIN);
        Credential svid = pki.svid("default", "chat");
        Map<String, TlsSecret> secrets = new TreeMap<>();
        secrets.put("default", CertificateSecret.of("default", svid.chain(), svid.key()));
        secrets.put("ROOTCA", ValidationSecret.spiffe("ROOTCA", Map.of(MeshPki.TRUST_DOMAIN, pki.bundle())));
        Instant now = Instant.now();

        MetricWriter w = new MetricWriter(MetricWriter.Format.PROMETHEUS);
        PrometheusExposition.certificates(w, secrets, now);
        Map<String, Double> m = PrometheusEndpointTest.parse(w.finish());

        X509Certificate leaf = svid.leaf();
        X509Certificate root = pki.bundle().roots().get(0);
        assertThat(m).containsEntry("weft_certificate_expiry_seconds{secret=\"default\",type=\"certificate\","
                + "subject=\"spiffe://cluster.local/ns/default/sa/chat\",serial=\"" + leaf.getSerialNumber().toString(16)
                + "\"}", (double) (leaf.getNotAfter().toInstant().getEpochSecond() - now.getEpochSecond()));
        assertThat(m).containsEntry("weft_certificate_expiry_seconds{secret=\"ROOTCA\",type=\"ca\",subject=\""
                + root.getSubjectX500Principal().getName() + "\",serial=\"" + root.getSerialNumber().toString(16) + "\"}",
                (double) (root.getNotAfter().toInstant().getEpochSecond() - now.getEpochSecond()));
        assertThat(m).hasSize(2);
        // an SVID lives a day by default
        assertThat(m.values()).anySatisfy(v -> assertThat(v).isBetween(23 * 3600.0, 24 * 3600.0));
    }
}
