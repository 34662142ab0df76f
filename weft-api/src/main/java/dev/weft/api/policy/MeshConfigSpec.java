package dev.weft.api.policy;

import dev.weft.api.Kind;
import dev.weft.api.Spec;

/**
 * The spec of the mesh-wide, cluster-scoped {@code MeshConfig}, a singleton named {@value #NAME}: the SPIFFE trust
 * domain of workload identities (default {@value #DEFAULT_TRUST_DOMAIN}) and defaults for what routes and policies
 * leave unset.
 */
public record MeshConfigSpec(String trustDomain, MeshDefaults defaults) implements Spec {

    /** The only name a MeshConfig may have. */
    public static final String NAME = "mesh";
    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";

    public MeshConfigSpec {
        defaults = defaults == null ? MeshDefaults.NONE : defaults;
    }

    @Override
    public Kind kind() {
        return Kind.MESH_CONFIG;
    }
}
