package dev.weft.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.api.policy.AuthorizationDefault;
import dev.weft.api.policy.LoadBalancerAlgorithm;
import dev.weft.api.policy.MeshConfigSpec;
import dev.weft.api.policy.MeshDefaults;
import dev.weft.api.policy.MtlsMode;

/** Reads and writes {@code MeshConfig} specs. */
public final class MeshConfigCodec implements SpecCodec<MeshConfigSpec> {

    @Override
    public MeshConfigSpec read(JsonNode node, String path, Problems problems) {
        FieldReader spec = FieldReader.of(node, path, problems, "trustDomain", "defaults", "mtls", "authorization",
                "telemetry");
        String trustDomain = spec.string("trustDomain");
        GatewayCommon.check(spec, "trustDomain", trustDomain, Formats::trustDomain);
        MeshDefaults defaults = MeshDefaults.NONE;
        FieldReader d = spec.object("defaults", "timeout", "retries", "loadBalancer");
        if (d != null) {
            LoadBalancerAlgorithm algorithm = null;
            FieldReader lb = d.object("loadBalancer", "algorithm");
            if (lb != null) {
                algorithm = lb.enumeration("algorithm", LoadBalancerAlgorithm.values(), LoadBalancerAlgorithm::name);
                if (algorithm == LoadBalancerAlgorithm.RING_HASH) {
                    lb.error("algorithm", "cannot be RING_HASH mesh-wide: a hash key is chosen per Service, "
                            + "in a DestinationPolicy");
                }
            }
            defaults = new MeshDefaults(d.duration("timeout"), HttpRouteCodec.retry(d, "retries"), algorithm);
        }
        MtlsMode mode = null;
        FieldReader mtls = spec.object("mtls", "mode");
        if (mtls != null) {
            mode = mtls.enumeration("mode", MtlsMode.values(), MtlsMode::name);
        }
        AuthorizationDefault authorization = null;
        FieldReader authz = spec.object("authorization", "default");
        if (authz != null) {
            authorization = authz.enumeration("default", AuthorizationDefault.values(), AuthorizationDefault::name);
        }
        return new MeshConfigSpec(trustDomain, defaults, mode, authorization, TelemetryCodec.read(spec, "telemetry"));
    }

    @Override
    public ObjectNode write(MeshConfigSpec spec) {
        ObjectNode node = Json.object();
        node.put("trustDomain", spec.trustDomain());
        MeshDefaults defaults = spec.defaults();
        if (!defaults.equals(MeshDefaults.NONE)) {
            ObjectNode d = node.putObject("defaults");
            Json.put(d, "timeout", defaults.timeout());
            if (defaults.retries() != null) {
                d.set("retries", HttpRouteCodec.writeRetry(defaults.retries()));
            }
            if (defaults.loadBalancerAlgorithm() != null) {
                d.putObject("loadBalancer").put("algorithm", defaults.loadBalancerAlgorithm().name());
            }
        }
        node.putObject("mtls").put("mode", spec.mtlsMode().name());
        node.putObject("authorization").put("default", spec.defaultAuthorization().name());
        TelemetryCodec.write(node, spec.telemetry());
        return node;
    }
}
