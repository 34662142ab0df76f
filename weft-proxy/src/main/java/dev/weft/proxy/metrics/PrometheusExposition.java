package dev.weft.proxy.metrics;

import dev.weft.proxy.ProxyServer;
import dev.weft.proxy.lb.Endpoint;
import dev.weft.proxy.stats.Stats;
import dev.weft.proxy.tls.CertificateSecret;
import dev.weft.proxy.tls.TlsSecret;
import dev.weft.proxy.tls.ValidationSecret;
import dev.weft.proxy.upstream.UpstreamCluster;
import dev.weft.proxy.xds.XdsStatus;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the admin's {@code /stats/prometheus} shows: the request and model metrics, every Envoy-style stat as a
 * {@code weft_} family (tags become labels: {@code cluster.<name>.upstream_rq_total} is
 * {@code weft_cluster_upstream_rq_total{cluster_name="<name>"}}), endpoints by health, the xDS versions, and
 * the seconds each certificate the proxy holds has left. Built on the admin's event loop, off the data path.
 */
public final class PrometheusExposition {

    private PrometheusExposition() {}

    /** The whole exposition of {@code proxy} in {@code format}. */
    public static String render(ProxyServer proxy, MetricWriter.Format format) {
        MetricWriter w = new MetricWriter(format);
        ProxyMetrics metrics = proxy.telemetry().metrics();
        if (metrics != null) {
            metrics.write(w);
        }
        stats(w, proxy.stats());
        endpoints(w, proxy);
        xds(w, proxy.xdsStatus());
        certificates(w, proxy.secrets().snapshot(), proxy.secrets().clock().instant());
        return w.finish();
    }

    private record Sample(String labels, long value) {}

    private static final class Family {
        boolean gauge = true;
        final List<Sample> samples = new ArrayList<>();
    }

    /** Every stat under its family: the tag's family prefix (or the name's) plus the rest, sanitised. */
    static void stats(MetricWriter w, Stats stats) {
        TreeMap<String, Family> families = new TreeMap<>();
        stats.forEach((name, value, gauge) -> {
            Map.Entry<Integer, Stats.Tag> tag = stats.tagOf(name);
            String family;
            String labels;
            if (tag == null) {
                family = name;
                labels = "";
            } else {
                family = tag.getValue().family() + name.substring(tag.getKey());
                Map<String, String> l = tag.getValue().labels();
                labels = MetricWriter.labels(l.keySet().toArray(new String[0]), l.values().toArray(new String[0]));
            }
            String metric = "weft_" + MetricWriter.sanitize(family);
            if (!gauge && metric.endsWith("_total")) {
                metric = metric.substring(0, metric.length() - "_total".length());
            }
            Family f = families.computeIfAbsent(metric, k -> new Family());
            // a family takes the kind of its stats; were they mixed, a counter would be shown as a gauge
            f.gauge = f.samples.isEmpty() ? gauge : f.gauge || gauge;
            f.samples.add(new Sample(labels, value));
        });
        families.forEach((name, f) -> {
            w.family(f.gauge ? MetricWriter.Type.GAUGE : MetricWriter.Type.COUNTER, name,
                    "Envoy-style stat " + name.substring("weft_".length()) + ".");
            f.samples.sort((a, b) -> a.labels.compareTo(b.labels));
            for (Sample s : f.samples) {
                w.sample(s.labels, s.value);
            }
        });
    }

    /** Endpoints per cluster by health, as they are now. */
    private static void endpoints(MetricWriter w, ProxyServer proxy) {
        w.family(MetricWriter.Type.GAUGE, "weft_cluster_endpoints", "Endpoints of each cluster, by health.");
        TreeMap<String, UpstreamCluster> clusters = new TreeMap<>(proxy.clusters().clusters());
        for (UpstreamCluster c : clusters.values()) {
            int healthy = 0;
            int total = 0;
            for (Endpoint e : c.endpoints()) {
                total++;
                if (e.healthy()) {
                    healthy++;
                }
            }
            w.sample(MetricWriter.labels(new String[] {"cluster_name", "health"}, new String[] {c.name(), "healthy"}), healthy);
            w.sample(MetricWriter.labels(new String[] {"cluster_name", "health"}, new String[] {c.name(), "unhealthy"}),
                    total - healthy);
        }
    }

    /** The accepted version of each xDS type (a dynamic proxy's), as an info metric. */
    private static void xds(MetricWriter w, XdsStatus status) {
        if (status == null) {
            return;
        }
        w.family(MetricWriter.Type.GAUGE, "weft_xds_resource_version",
                "1 for the version of each xDS type the proxy accepted last.");
        new TreeMap<>(status.types()).forEach((type, t) -> {
            if (t.version() != null && !t.version().isEmpty()) {
                w.sample(MetricWriter.labels(new String[] {"type", "version"},
                        new String[] {type.name(), t.version()}), 1);
            }
        });
    }

    /**
     * Seconds until each certificate expires (negative once it has): the certificates the proxy presents and the
     * roots it trusts, by secret.
     */
    static void certificates(MetricWriter w, Map<String, TlsSecret> secrets, Instant now) {
        w.family(MetricWriter.Type.GAUGE, "weft_certificate_expiry_seconds",
                "Seconds until the certificate expires (negative when it has), per secret.");
        String[] names = {"secret", "type", "subject", "serial"};
        for (Map.Entry<String, TlsSecret> e : new TreeMap<>(secrets).entrySet()) {
            if (e.getValue() instanceof CertificateSecret c) {
                X509Certificate leaf = c.leaf();
                w.sample(MetricWriter.labels(names, new String[] {e.getKey(), "certificate", subject(leaf),
                        leaf.getSerialNumber().toString(16)}), secondsLeft(leaf, now));
            } else if (e.getValue() instanceof ValidationSecret v) {
                List<X509Certificate> roots = new ArrayList<>(v.trustedCa());
                v.trustDomains().values().forEach(b -> roots.addAll(b.roots()));
                for (X509Certificate root : roots) {
                    w.sample(MetricWriter.labels(names, new String[] {e.getKey(), "ca", subject(root),
                            root.getSerialNumber().toString(16)}), secondsLeft(root, now));
                }
            }
        }
    }

    private static long secondsLeft(X509Certificate cert, Instant now) {
        return cert.getNotAfter().toInstant().getEpochSecond() - now.getEpochSecond();
    }

    /** A certificate's URI SAN (an SVID's SPIFFE ID), else its subject DN. */
    private static String subject(X509Certificate cert) {
        try {
            List<String> uris = ValidationSecret.uriSans(cert);
            if (!uris.isEmpty()) {
                return uris.get(0);
            }
        } catch (CertificateParsingException e) {
            // fall back on the subject
        }
        return cert.getSubjectX500Principal().getName();
    }
}
