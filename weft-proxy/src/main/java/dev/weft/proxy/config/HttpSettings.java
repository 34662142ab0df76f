package dev.weft.proxy.config;

import dev.weft.proxy.accesslog.AccessLogs;
import dev.weft.proxy.rbac.Authorization;
import dev.weft.proxy.route.RouteTable;
import dev.weft.proxy.tracing.TracingConfig;

/**
 * The settings of a listener's http_connection_manager.
 *
 * @param statPrefix                 prefix of the listener's stats
 * @param routes                     the compiled inline route_config
 * @param codec                      which HTTP versions the listener accepts
 * @param maxRequestHeadersBytes     request head larger than this gets 431 (default 60 KiB)
 * @param requestTimeoutMillis       whole-request timeout, 0 for none
 * @param streamIdleTimeoutMillis    a stream with no activity this long is reset, 0 for none
 * @param drainTimeoutMillis         how long in-flight requests get on graceful shutdown
 * @param useRemoteAddress           whether the peer address is appended to x-forwarded-for
 * @param generateRequestId          whether x-request-id is generated when absent
 * @param http2MaxConcurrentStreams  SETTINGS_MAX_CONCURRENT_STREAMS offered to downstream
 * @param http2InitialStreamWindow   initial HTTP/2 stream flow-control window
 * @param http2InitialConnectionWindow initial HTTP/2 connection flow-control window
 * @param upgradeTypes               upgrade protocols allowed through (upgrade_configs), lower case, e.g. "websocket"
 * @param authorization              the RBAC http_filters, compiled; {@link Authorization#NONE} without any
 * @param tracing                    the {@code tracing} settings, null when the listener does not trace
 * @param accessLogs                 the access_log entries, compiled; {@link AccessLogs#NONE} without any
 */
public record HttpSettings(
        String statPrefix,
        RouteTable routes,
        CodecType codec,
        int maxRequestHeadersBytes,
        long requestTimeoutMillis,
        long streamIdleTimeoutMillis,
        long drainTimeoutMillis,
        boolean useRemoteAddress,
        boolean generateRequestId,
        int http2MaxConcurrentStreams,
        int http2InitialStreamWindow,
        int http2InitialConnectionWindow,
        java.util.Set<String> upgradeTypes,
        Authorization authorization,
        TracingConfig tracing,
        AccessLogs accessLogs) {

    public HttpSettings {
        upgradeTypes = java.util.Set.copyOf(upgradeTypes);
        java.util.Objects.requireNonNull(authorization, "authorization");
        java.util.Objects.requireNonNull(accessLogs, "accessLogs");
    }

    /** Settings without tracing or access logs. */
    public HttpSettings(String statPrefix, RouteTable routes, CodecType codec, int maxRequestHeadersBytes,
                        long requestTimeoutMillis, long streamIdleTimeoutMillis, long drainTimeoutMillis,
                        boolean useRemoteAddress, boolean generateRequestId, int http2MaxConcurrentStreams,
                        int http2InitialStreamWindow, int http2InitialConnectionWindow,
                        java.util.Set<String> upgradeTypes, Authorization authorization) {
        this(statPrefix, routes, codec, maxRequestHeadersBytes, requestTimeoutMillis, streamIdleTimeoutMillis,
                drainTimeoutMillis, useRemoteAddress, generateRequestId, http2MaxConcurrentStreams,
                http2InitialStreamWindow, http2InitialConnectionWindow, upgradeTypes, authorization, null,
                AccessLogs.NONE);
    }

    /** HTTP versions a listener accepts (http_connection_manager codec_type). */
    public enum CodecType { AUTO, HTTP1, HTTP2 }
}
