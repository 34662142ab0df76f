package dev.weft.api.policy;

import dev.weft.api.Kind;
import dev.weft.api.Spec;

/**
 * The spec of the mesh-wide, cluster-scoped {@code MeshConfig}, a singleton named {@value #NAME}: the SPIFFE trust
 * domain of workload identities (default {@value #DEFAULT_TRUST_DOMAIN}), defaults for what routes and policies
 * leave unset, the mTLS mode of sidecars' inbound ports (a Service may override it; default PERMISSIVE) and what a
 * workload with no ALLOW authorization policy does (default ALLOW), and the sidecars' telemetry (tracing and access
 * logs; default none).
 */
public record MeshConfigSpec(String trustDomain, MeshDefaults defaults, MtlsMode mtlsMode,
                             AuthorizationDefault defaultAuthorization, Telemetry telemetry) implements Spec {

    /** The only name a MeshConfig may have. */
    public static final String NAME = "mesh";
    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
    /** The MeshConfig in force when none is stored. */
    public static final MeshConfigSpec DEFAULT = new MeshConfigSpec(DEFAULT_TRUST_DOMAIN, MeshDefaults.NONE,
            MtlsMode.PERMISSIVE, AuthorizationDefault.ALLOW, Telemetry.NONE);

    public MeshConfigSpec {
        trustDomain = trustDomain == null ? DEFAULT_TRUST_DOMAIN : trustDomain;
        defaults = defaults == null ? MeshDefaults.NONE : defaults;
        mtlsMode = mtlsMode == null ? MtlsMode.PERMISSIVE : mtlsMode;
        defaultAuthorization = defaultAuthorization == null ? AuthorizationDefault.ALLOW : defaultAuthorization;
        telemetry = telemetry == null ? Telemetry.NONE : telemetry;
    }

    public MeshConfigSpec(String trustDomain, MeshDefaults defaults, MtlsMode mtlsMode,
                          AuthorizationDefault defaultAuthorization) {
        this(trustDomain, defaults, mtlsMode, defaultAuthorization, null);
    }

    public MeshConfigSpec(String trustDomain, MeshDefaults defaults) {
        this(trustDomain, defaults, null, null, null);
    }

    @Override
    public Kind kind() {
        return Kind.MESH_CONFIG;
    }
}
