package dev.weft.api.policy;

import java.util.List;

/**
 * A field an access log line may have: its key in the JSON line ({@link #key()}) and the Envoy command operator
 * the control plane translates it to ({@link #operator()}).
 */
public enum AccessLogField {
    START_TIME("start_time", "%START_TIME%"),
    METHOD("method", "%REQ(:METHOD)%"),
    AUTHORITY("authority", "%REQ(:AUTHORITY)%"),
    PATH("path", "%REQ(:PATH)%"),
    PROTOCOL("protocol", "%PROTOCOL%"),
    RESPONSE_CODE("response_code", "%RESPONSE_CODE%"),
    /** The {@code x-weft-error} code of a response the proxy made itself, or "-". */
    RESPONSE_FLAGS("response_flags", "%RESPONSE_FLAGS%"),
    ROUTE_NAME("route_name", "%ROUTE_NAME%"),
    UPSTREAM_CLUSTER("upstream_cluster", "%UPSTREAM_CLUSTER%"),
    UPSTREAM_HOST("upstream_host", "%UPSTREAM_HOST%"),
    UPSTREAM_REQUEST_ATTEMPT_COUNT("upstream_request_attempt_count", "%UPSTREAM_REQUEST_ATTEMPT_COUNT%"),
    BYTES_RECEIVED("bytes_received", "%BYTES_RECEIVED%"),
    BYTES_SENT("bytes_sent", "%BYTES_SENT%"),
    /** Total, from the first request byte to the last response byte, in milliseconds. */
    DURATION("duration", "%DURATION%"),
    /** Time to first byte: from the first request byte to the first byte of the upstream's response. */
    RESPONSE_DURATION("response_duration", "%RESPONSE_DURATION%"),
    /** From the upstream's first response byte to the last byte sent downstream. */
    RESPONSE_TX_DURATION("response_tx_duration", "%RESPONSE_TX_DURATION%"),
    TRACE_ID("trace_id", "%TRACE_ID%"),
    REQUEST_ID("request_id", "%REQ(X-REQUEST-ID)%"),
    DOWNSTREAM_REMOTE_ADDRESS("downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%"),
    /** The source identity: the SPIFFE ID of the mTLS caller. */
    DOWNSTREAM_PEER_URI_SAN("downstream_peer_uri_san", "%DOWNSTREAM_PEER_URI_SAN%"),
    /** The destination identity: the SPIFFE ID the upstream presented. */
    UPSTREAM_PEER_URI_SAN("upstream_peer_uri_san", "%UPSTREAM_PEER_URI_SAN%"),
    USER_AGENT("user_agent", "%REQ(USER-AGENT)%");

    /** The fields of a line when {@code fields} is not set. */
    public static final List<AccessLogField> DEFAULTS = List.of(START_TIME, METHOD, AUTHORITY, PATH, PROTOCOL,
            RESPONSE_CODE, RESPONSE_FLAGS, ROUTE_NAME, UPSTREAM_CLUSTER, UPSTREAM_HOST, UPSTREAM_REQUEST_ATTEMPT_COUNT,
            BYTES_RECEIVED, BYTES_SENT, DURATION, RESPONSE_DURATION, RESPONSE_TX_DURATION, TRACE_ID, REQUEST_ID,
            DOWNSTREAM_PEER_URI_SAN, UPSTREAM_PEER_URI_SAN);

    private final String key;
    private final String operator;

    AccessLogField(String key, String operator) {
        this.key = key;
        this.operator = operator;
    }

    /** The name in {@code fields} and the key in the JSON line. */
    public String key() {
        return key;
    }

    /** The Envoy command operator that produces the value. */
    public String operator() {
        return operator;
    }
}
