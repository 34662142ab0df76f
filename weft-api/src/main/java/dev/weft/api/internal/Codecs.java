package dev.weft.api.internal;

import dev.weft.api.Kind;
import dev.weft.api.Spec;

/** The codec of each kind. */
final class Codecs {

    private static final HttpRouteCodec HTTP_ROUTE = new HttpRouteCodec();
    private static final GrpcRouteCodec GRPC_ROUTE = new GrpcRouteCodec();
    private static final DestinationPolicyCodec DESTINATION_POLICY = new DestinationPolicyCodec();
    private static final MeshConfigCodec MESH_CONFIG = new MeshConfigCodec();
    private static final ServiceCodec SERVICE = new ServiceCodec();
    private static final ServiceInstanceCodec SERVICE_INSTANCE = new ServiceInstanceCodec();
    private static final AuthorizationPolicyCodec AUTHORIZATION_POLICY = new AuthorizationPolicyCodec();

    private Codecs() {
    }

    @SuppressWarnings("unchecked")
    static SpecCodec<Spec> of(Kind kind) {
        SpecCodec<? extends Spec> codec = switch (kind) {
            case HTTP_ROUTE -> HTTP_ROUTE;
            case GRPC_ROUTE -> GRPC_ROUTE;
            case DESTINATION_POLICY -> DESTINATION_POLICY;
            case MESH_CONFIG -> MESH_CONFIG;
            case SERVICE -> SERVICE;
            case SERVICE_INSTANCE -> SERVICE_INSTANCE;
            case AUTHORIZATION_POLICY -> AUTHORIZATION_POLICY;
        };
        // each codec reads and writes exactly its kind's spec type
        return (SpecCodec<Spec>) codec;
    }
}
