package dev.weft.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why the proxy answered a request itself. The code goes out as {@code x-weft-error}, and into
 * stats and access logs, so an operator can tell a proxy-made response from the application's.
 */
public enum WeftError {
    NO_ROUTE("no_route", HttpResponseStatus.NOT_FOUND, GrpcStatus.UNIMPLEMENTED),
    CLUSTER_NOT_FOUND("cluster_not_found", HttpResponseStatus.SERVICE_UNAVAILABLE, GrpcStatus.UNAVAILABLE),
    NO_HEALTHY_UPSTREAM("no_healthy_upstream", HttpResponseStatus.SERVICE_UNAVAILABLE, GrpcStatus.UNAVAILABLE),
    UPSTREAM_CONNECT_FAILURE("upstream_connect_failure", HttpResponseStatus.SERVICE_UNAVAILABLE, GrpcStatus.UNAVAILABLE),
    UPSTREAM_CONNECT_TIMEOUT("upstream_connect_timeout", HttpResponseStatus.SERVICE_UNAVAILABLE, GrpcStatus.UNAVAILABLE),
    UPSTREAM_TIMEOUT("upstream_timeout", HttpResponseStatus.GATEWAY_TIMEOUT, GrpcStatus.DEADLINE_EXCEEDED),
    UPSTREAM_RESET("upstream_reset", HttpResponseStatus.SERVICE_UNAVAILABLE, GrpcStatus.UNAVAILABLE),
    UPSTREAM_PROTOCOL_ERROR("upstream_protocol_error", HttpResponseStatus.BAD_GATEWAY, GrpcStatus.INTERNAL),
    BAD_REQUEST("bad_request", HttpResponseStatus.BAD_REQUEST, GrpcStatus.INTERNAL),
    REQUEST_HEADERS_TOO_LARGE("request_headers_too_large", HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, GrpcStatus.INTERNAL),
    REQUEST_TIMEOUT("request_timeout", HttpResponseStatus.REQUEST_TIMEOUT, GrpcStatus.DEADLINE_EXCEEDED),
    STREAM_IDLE_TIMEOUT("stream_idle_timeout", HttpResponseStatus.REQUEST_TIMEOUT, GrpcStatus.DEADLINE_EXCEEDED),
    UPGRADE_FAILED("upgrade_failed", HttpResponseStatus.FORBIDDEN, GrpcStatus.PERMISSION_DENIED),
    /** An RBAC filter of the listener denied the request; which policy is in the access log, not the response. */
    RBAC_DENIED("rbac_denied", HttpResponseStatus.FORBIDDEN, GrpcStatus.PERMISSION_DENIED),
    /** A circuit breaker of the cluster (max_requests, max_pending_requests) is open. */
    OVERFLOW("overflow", HttpResponseStatus.SERVICE_UNAVAILABLE, GrpcStatus.UNAVAILABLE),
    DRAINING("draining", HttpResponseStatus.SERVICE_UNAVAILABLE, GrpcStatus.UNAVAILABLE);

    private final String code;
    private final HttpResponseStatus status;
    private final int grpcStatus;

    WeftError(String code, HttpResponseStatus status, int grpcStatus) {
        this.code = code;
        this.status = status;
        this.grpcStatus = grpcStatus;
    }

    /** The value of the x-weft-error header. */
    public String code() {
        return code;
    }

    /** The HTTP status of the proxy's response. */
    public HttpResponseStatus status() {
        return status;
    }

    /** The grpc-status sent instead when the request was gRPC. */
    public int grpcStatus() {
        return grpcStatus;
    }

    /** gRPC status codes used by the proxy's own responses. */
    public static final class GrpcStatus {
        public static final int OK = 0;
        public static final int CANCELLED = 1;
        public static final int DEADLINE_EXCEEDED = 4;
        public static final int PERMISSION_DENIED = 7;
        public static final int RESOURCE_EXHAUSTED = 8;
        public static final int UNIMPLEMENTED = 12;
        public static final int INTERNAL = 13;
        public static final int UNAVAILABLE = 14;

        private GrpcStatus() {}
    }
}
