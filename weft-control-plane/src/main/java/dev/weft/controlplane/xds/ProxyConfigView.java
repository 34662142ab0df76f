package dev.weft.controlplane.xds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.weft.ca.Pem;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the control plane currently sends one node, for {@code weft proxy-config}: the resources of one type from
 * the node's snapshot, as Envoy's JSON. Secrets are summarised (name, kind, the identities and trust domains they
 * hold, validity): no key material, and no certificate bodies either.
 */
public final class ProxyConfigView {
    /** The types {@code weft proxy-config} shows, by the name it takes. */
    public static final Map<String, Resources.ResourceType> TYPES = Map.of(
            "listeners", Resources.ResourceType.LISTENER,
            "routes", Resources.ResourceType.ROUTE,
            "clusters", Resources.ResourceType.CLUSTER,
            "endpoints", Resources.ResourceType.ENDPOINT,
            "secrets", Resources.ResourceType.SECRET);

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every type the translator packs into an Any (and the tracers and access loggers it may). */
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(List.of(HttpConnectionManager.getDescriptor(), Router.getDescriptor(), RBAC.getDescriptor(),
                            TlsInspector.getDescriptor(), RawBuffer.getDescriptor(),
                            PreviousHostsPredicate.getDescriptor(), DownstreamTlsContext.getDescriptor(),
                            UpstreamTlsContext.getDescriptor(), SPIFFECertValidatorConfig.getDescriptor(),
                            HttpProtocolOptions.getDescriptor(), FileAccessLog.getDescriptor(),
                            StdoutAccessLog.getDescriptor(), ZipkinConfig.getDescriptor(),
                            OpenTelemetryConfig.getDescriptor()))
                    .build())
            .preservingProtoFieldNames()
            .omittingInsignificantWhitespace();

    private ProxyConfigView() {}

    /**
     * {@code {"id", "type", "version", "resources": [...]}} for {@code type} (a key of {@link #TYPES}) of
     * {@code snapshot}, resources sorted by name.
     */
    public static ObjectNode render(String nodeId, String type, Snapshot snapshot) {
        Resources.ResourceType t = TYPES.get(type);
        if (t == null) {
            throw new IllegalArgumentException("type: expected one of " + new TreeMap<>(TYPES).keySet() + ", got \""
                    + type + "\"");
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("id", nodeId);
        out.put("type", type);
        out.put("version", snapshot.version(t));
        ArrayNode resources = out.putArray("resources");
        Map<String, ? extends Message> byName = new TreeMap<>(snapshot.resources(t));
        for (Message m : byName.values()) {
            resources.add(t == Resources.ResourceType.SECRET ? secret((Secret) m) : print(m));
        }
        return out;
    }

    private static JsonNode print(Message m) {
        try {
            return JSON.readTree(PRINTER.print(m));
        } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
            return JSON.createObjectNode().put("error", "cannot print " + m.getDescriptorForType().getFullName()
                    + ": " + e.getMessage());
        }
    }

    /** A secret without its material: a certificate's identities and validity, a trust bundle's roots. */
    static ObjectNode secret(Secret s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", s.getName());
        if (s.hasTlsCertificate()) {
            o.put("kind", "certificate");
            String chain = s.getTlsCertificate().getCertificateChain().getInlineString();
            ArrayNode certs = o.putArray("certificates");
            for (X509Certificate c : certificates(chain)) {
                certs.add(describe(c));
            }
        } else if (s.hasValidationContext()) {
            o.put("kind", "trust bundle");
            CertificateValidationContext v = s.getValidationContext();
            ArrayNode domains = o.putArray("trust_domains");
            if (v.hasCustomValidatorConfig()
                    && v.getCustomValidatorConfig().getTypedConfig().is(SPIFFECertValidatorConfig.class)) {
                try {
                    SPIFFECertValidatorConfig spiffe = v.getCustomValidatorConfig().getTypedConfig()
                            .unpack(SPIFFECertValidatorConfig.class);
                    for (SPIFFECertValidatorConfig.TrustDomain d : spiffe.getTrustDomainsList()) {
                        ObjectNode dn = domains.addObject();
                        dn.put("name", d.getName());
                        ArrayNode roots = dn.putArray("roots");
                        for (X509Certificate c : certificates(d.getTrustBundle().getInlineString())) {
                            roots.add(describe(c));
                        }
                    }
                } catch (InvalidProtocolBufferException e) {
                    o.put("error", "cannot decode the SPIFFE validator: " + e.getMessage());
                }
            } else if (v.hasTrustedCa()) {
                ObjectNode dn = domains.addObject();
                dn.putNull("name");
                ArrayNode roots = dn.putArray("roots");
                for (X509Certificate c : certificates(v.getTrustedCa().getInlineString())) {
                    roots.add(describe(c));
                }
            }
        } else {
            o.put("kind", s.getTypeCase().name().toLowerCase(Locale.ROOT));
        }
        return o;
    }

    private static List<X509Certificate> certificates(String pem) {
        if (pem == null || pem.isBlank()) {
            return List.of();
        }
        try {
            return Pem.certificates(pem);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static ObjectNode describe(X509Certificate c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("subject", c.getSubjectX500Principal().getName());
        ArrayNode sans = o.putArray("uri_sans");
        try {
            dev.weft.ca.tls.UriSans.of(c).forEach(sans::add);
        } catch (CertificateParsingException e) {
            o.put("error", "cannot read the subject alternative names: " + e.getMessage());
        }
        o.put("serial", c.getSerialNumber().toString(16));
        o.put("not_before", c.getNotBefore().toInstant().toString());
        o.put("not_after", c.getNotAfter().toInstant().toString());
        return o;
    }
}
