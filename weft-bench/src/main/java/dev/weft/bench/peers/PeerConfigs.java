package dev.weft.bench.peers;

import java.nio.file.Path;

/**
 * The configuration files of the processes on the bench: the nginx upstream, the nginx and HAProxy
 * peers, and the Weft bootstraps. Every proxy routes {@code /sse} to the in-process SSE server, gRPC calls
 * ({@link GrpcUpstream#PATH_PREFIX}, on its h2c port) to the in-process gRPC server over HTTP/2, and everything
 * else to the upstream, keeps upstream connections alive, and logs nothing per request.
 */
final class PeerConfigs {

    /** The body the upstream serves: 1 KiB. */
    static final String BODY = "x".repeat(1024);

    private PeerConfigs() {
    }

    /** nginx serving {@link #BODY} on an HTTP/1.1 port and an h2c (prior knowledge) port. */
    static String upstream(Path work, int http1Port, int h2Port) {
        String location = "    location / { default_type text/plain; return 200 \"" + BODY + "\"; }\n";
        return nginxHead(work)
                + "  server {\n    listen 127.0.0.1:" + http1Port + " reuseport backlog=4096;\n" + location + "  }\n"
                + "  server {\n    listen 127.0.0.1:" + h2Port + " http2;\n" + location + "  }\n"
                + "}\n";
    }

    /**
     * nginx as a reverse proxy: HTTP/1.1 keep-alive to the upstream, unbuffered for SSE, and on the h2c port
     * {@code grpc_pass} to the gRPC upstream (nginx multiplexes nothing upstream: one kept-alive connection per call
     * in flight).
     */
    static String nginxProxy(Path work, int http1Port, int h2Port, int upstreamPort, int ssePort, int grpcPort) {
        String locations = "    location / {\n"
                + "      proxy_pass http://origin;\n"
                + "      proxy_http_version 1.1;\n"
                + "      proxy_set_header Connection \"\";\n"
                + "    }\n"
                + "    location /sse {\n"
                + "      proxy_pass http://sse;\n"
                + "      proxy_http_version 1.1;\n"
                + "      proxy_set_header Connection \"\";\n"
                + "      proxy_buffering off;\n"
                + "    }\n";
        return nginxHead(work)
                + "  upstream origin { server 127.0.0.1:" + upstreamPort + "; keepalive 128; keepalive_requests 1000000; }\n"
                + "  upstream sse { server 127.0.0.1:" + ssePort + "; keepalive 8; }\n"
                + "  upstream grpc { server 127.0.0.1:" + grpcPort + "; keepalive 128; keepalive_requests 1000000; }\n"
                + "  server {\n    listen 127.0.0.1:" + http1Port + " backlog=4096;\n" + locations + "  }\n"
                + "  server {\n    listen 127.0.0.1:" + h2Port + " http2;\n" + locations
                + "    location " + GrpcUpstream.PATH_PREFIX + " { grpc_pass grpc://grpc; }\n  }\n"
                + "}\n";
    }

    /**
     * HAProxy in HTTP mode, one thread, connection reuse to the upstream, h2c on a second bind, gRPC to the gRPC
     * upstream over HTTP/2 ({@code proto h2}).
     */
    static String haproxy(int http1Port, int h2Port, int upstreamPort, int ssePort, int grpcPort) {
        return "global\n"
                + "  nbthread 1\n"
                + "  maxconn 4096\n"
                + "defaults\n"
                + "  mode http\n"
                + "  timeout connect 5s\n"
                + "  timeout client 60s\n"
                + "  timeout server 60s\n"
                + "  http-reuse always\n"
                + "frontend bench\n"
                + "  bind 127.0.0.1:" + http1Port + "\n"
                + "  bind 127.0.0.1:" + h2Port + " proto h2\n"
                + "  use_backend sse if { path_beg /sse }\n"
                + "  use_backend grpc if { path_beg " + GrpcUpstream.PATH_PREFIX + " }\n"
                + "  default_backend origin\n"
                + "backend origin\n"
                + "  server upstream 127.0.0.1:" + upstreamPort + "\n"
                + "backend grpc\n"
                + "  server grpc 127.0.0.1:" + grpcPort + " proto h2\n"
                + "backend sse\n"
                + "  option http-no-delay\n"
                + "  server sse 127.0.0.1:" + ssePort + "\n";
    }

    /**
     * A Weft bootstrap with one listener (codec AUTO: HTTP/1.1 and h2c prior knowledge) routing
     * {@code /sse} to {@code ssePort} and everything else to {@code originPort}. The SSE route has no
     * timeout: a stream lasts as long as the phase.
     */
    static String weft(int listenerPort, int adminPort, int originPort, int ssePort) {
        return weft(listenerPort, adminPort, originPort, ssePort, 0);
    }

    /**
     * {@link #weft(int, int, int, int)} also routing gRPC calls ({@link GrpcUpstream#PATH_PREFIX}) to
     * {@code grpcPort} over HTTP/2 (h2c prior knowledge), unless it is 0.
     */
    static String weft(int listenerPort, int adminPort, int originPort, int ssePort, int grpcPort) {
        return "admin: {address: {socket_address: {address: 127.0.0.1, port_value: " + adminPort + "}}}\n"
                + "static_resources:\n"
                + "  listeners:\n"
                + "  - name: bench\n"
                + "    address: {socket_address: {address: 127.0.0.1, port_value: " + listenerPort + "}}\n"
                + "    filter_chains:\n"
                + "    - filters:\n"
                + "      - name: envoy.filters.network.http_connection_manager\n"
                + "        typed_config:\n"
                + "          \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n"
                + "          stat_prefix: bench\n"
                + "          codec_type: AUTO\n"
                + "          route_config:\n"
                + "            virtual_hosts:\n"
                + "            - name: all\n"
                + "              domains: [\"*\"]\n"
                + "              routes:\n"
                + "              - {match: {prefix: \"/sse\"}, route: {cluster: sse, timeout: 0s}}\n"
                + (grpcPort == 0 ? "" : "              - {match: {prefix: \"" + GrpcUpstream.PATH_PREFIX
                        + "\"}, route: {cluster: grpc}}\n")
                + "              - {match: {prefix: \"/\"}, route: {cluster: origin}}\n"
                + "          http_filters:\n"
                + "          - name: envoy.filters.http.router\n"
                + "            typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}\n"
                + "  clusters:\n"
                + cluster("origin", originPort)
                + cluster("sse", ssePort)
                + (grpcPort == 0 ? "" : cluster("grpc", grpcPort, "    http2_protocol_options: {}\n"));
    }

    /**
     * {@link #weft} with the chosen kinds of telemetry: request metrics (else Envoy's
     * stats_config.stats_matcher.reject_all), Zipkin tracing at {@code samplingPercent} to a collector on
     * {@code collectorPort} (none when null), a JSON access log line per request written to {@code accessLog} (none
     * when null).
     */
    static String weftTelemetry(int listenerPort, int adminPort, int originPort, boolean metrics, Double samplingPercent,
                                int collectorPort, Path accessLog) {
        String hcm = "          codec_type: AUTO\n";
        StringBuilder telemetry = new StringBuilder(hcm);
        if (samplingPercent != null) {
            telemetry.append("          tracing:\n")
                    .append("            random_sampling: {value: ").append(samplingPercent).append("}\n")
                    .append("            provider:\n")
                    .append("              name: envoy.tracers.zipkin\n")
                    .append("              typed_config:\n")
                    .append("                \"@type\": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig\n")
                    .append("                collector_cluster: zipkin\n")
                    .append("                collector_endpoint: /api/v2/spans\n")
                    .append("                collector_endpoint_version: HTTP_JSON\n");
        }
        if (accessLog != null) {
            telemetry.append("          access_log:\n")
                    .append("          - name: envoy.access_loggers.file\n")
                    .append("            typed_config:\n")
                    .append("              \"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog\n")
                    .append("              path: ").append(accessLog).append("\n");
        }
        String base = weft(listenerPort, adminPort, originPort, originPort);
        if (!base.contains(hcm)) {
            throw new IllegalStateException("the Weft bootstrap has no codec_type line to add telemetry after");
        }
        return (metrics ? "" : "stats_config: {stats_matcher: {reject_all: true}}\n") + base.replace(hcm, telemetry)
                + (samplingPercent != null ? cluster("zipkin", collectorPort) : "");
    }

    /**
     * The called hop of the mTLS pair: as {@link #weft(int, int, int, int, int)}, its listener requiring a client SVID
     * of the trust domain (SDS secrets {@code default} and {@code ROOTCA} given statically, in the shapes the control
     * plane sends a sidecar).
     */
    static String weftMtlsServer(int listenerPort, int adminPort, int originPort, int ssePort, int grpcPort,
                                 MeshCertificates certs) {
        return weft(listenerPort, adminPort, originPort, ssePort, grpcPort)
                .replace("    filter_chains:\n    - filters:\n",
                        "    filter_chains:\n    - transport_socket:\n"
                        + "        name: envoy.transport_sockets.tls\n"
                        + "        typed_config:\n"
                        + "          \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext\n"
                        + "          require_client_certificate: true\n"
                        + "          common_tls_context:\n"
                        + commonTls("            ")
                        + "      filters:\n")
                + secrets(certs.serverChain(), certs.serverKey(), certs);
    }

    /**
     * The calling hop of the mTLS pair: every cluster leads to the called hop, presenting a client SVID and checking
     * the server's; with {@code grpc}, gRPC calls go to it over HTTP/2 (ALPN h2 on the mTLS connection).
     */
    static String weftMtlsClient(int listenerPort, int adminPort, int serverPort, boolean grpc, MeshCertificates certs) {
        return weft(listenerPort, adminPort, serverPort, serverPort, grpc ? serverPort : 0)
                .replace("    connect_timeout: 1s\n",
                        "    connect_timeout: 1s\n"
                        + "    transport_socket:\n"
                        + "      name: envoy.transport_sockets.tls\n"
                        + "      typed_config:\n"
                        + "        \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext\n"
                        + "        common_tls_context:\n"
                        + commonTls("          ").replace("validation_context_sds_secret_config: {name: ROOTCA}",
                                "combined_validation_context:\n"
                                + "            default_validation_context:\n"
                                + "              match_typed_subject_alt_names: [{san_type: URI, matcher: {exact: \""
                                + certs.server() + "\"}}]\n"
                                + "            validation_context_sds_secret_config: {name: ROOTCA}"))
                + secrets(certs.clientChain(), certs.clientKey(), certs);
    }

    private static String commonTls(String indent) {
        return indent + "tls_params: {tls_minimum_protocol_version: TLSv1_2, tls_maximum_protocol_version: TLSv1_3}\n"
                + indent + "tls_certificate_sds_secret_configs: [{name: default}]\n"
                + indent + "validation_context_sds_secret_config: {name: ROOTCA}\n";
    }

    private static String secrets(Path chain, Path key, MeshCertificates certs) {
        return "  secrets:\n"
                + "  - name: default\n"
                + "    tls_certificate:\n"
                + "      certificate_chain: {filename: " + chain + "}\n"
                + "      private_key: {filename: " + key + "}\n"
                + "  - name: ROOTCA\n"
                + "    validation_context:\n"
                + "      custom_validator_config:\n"
                + "        name: envoy.tls.cert_validator.spiffe\n"
                + "        typed_config:\n"
                + "          \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig\n"
                + "          trust_domains: [{name: " + certs.trustDomain() + ", trust_bundle: {filename: " + certs.bundle() + "}}]\n";
    }

    private static String cluster(String name, int port) {
        return cluster(name, port, "");
    }

    /** A static cluster of one loopback endpoint; {@code extra} holds more cluster fields, indented by four. */
    private static String cluster(String name, int port, String extra) {
        return "  - name: " + name + "\n"
                + "    connect_timeout: 1s\n"
                + extra
                + "    load_assignment:\n"
                + "      cluster_name: " + name + "\n"
                + "      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: "
                + port + "}}}}]}]\n";
    }

    private static String nginxHead(Path work) {
        // A master and exactly one worker, as the Debian package runs it; nothing logged per request.
        return "worker_processes 1;\n"
                + "daemon off;\n"
                + "pid " + work.resolve("nginx.pid") + ";\n"
                + "error_log " + work.resolve("error.log") + " warn;\n"
                + "events { worker_connections 8192; }\n"
                + "http {\n"
                + "  access_log off;\n"
                + "  keepalive_requests 1000000;\n"
                + "  keepalive_timeout 120s;\n"
                + "  client_body_temp_path " + work.resolve("client_body") + ";\n"
                + "  proxy_temp_path " + work.resolve("proxy_temp") + ";\n"
                + "  fastcgi_temp_path " + work.resolve("fastcgi_temp") + ";\n"
                + "  uwsgi_temp_path " + work.resolve("uwsgi_temp") + ";\n"
                + "  scgi_temp_path " + work.resolve("scgi_temp") + ";\n";
    }
}
