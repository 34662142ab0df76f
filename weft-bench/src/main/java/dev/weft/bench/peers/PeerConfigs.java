package dev.weft.bench.peers;

import java.nio.file.Path;

/**
 * The configuration files of the processes on the bench: the nginx upstream, the nginx and HAProxy
 * peers, and the Weft bootstraps. Every proxy routes {@code /sse} to the in-process SSE server and
 * everything else to the upstream, keeps upstream connections alive, and logs nothing per request.
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

    /** nginx as a reverse proxy: HTTP/1.1 keep-alive to the upstream, unbuffered for SSE. */
    static String nginxProxy(Path work, int http1Port, int h2Port, int upstreamPort, int ssePort) {
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
                + "  server {\n    listen 127.0.0.1:" + http1Port + " backlog=4096;\n" + locations + "  }\n"
                + "  server {\n    listen 127.0.0.1:" + h2Port + " http2;\n" + locations + "  }\n"
                + "}\n";
    }

    /** HAProxy in HTTP mode, one thread, connection reuse to the upstream, h2c on a second bind. */
    static String haproxy(int http1Port, int h2Port, int upstreamPort, int ssePort) {
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
                + "  default_backend origin\n"
                + "backend origin\n"
                + "  server upstream 127.0.0.1:" + upstreamPort + "\n"
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
                + "              - {match: {prefix: \"/\"}, route: {cluster: origin}}\n"
                + "          http_filters:\n"
                + "          - name: envoy.filters.http.router\n"
                + "            typed_config: {\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}\n"
                + "  clusters:\n"
                + cluster("origin", originPort)
                + cluster("sse", ssePort);
    }

    /**
     * The called hop of the mTLS pair: as {@link #weft} without SSE, its listener requiring a client SVID of the
     * trust domain (SDS secrets {@code default} and {@code ROOTCA} given statically, in the shapes the control plane
     * sends a sidecar).
     */
    static String weftMtlsServer(int listenerPort, int adminPort, int originPort, MeshCertificates certs) {
        return weft(listenerPort, adminPort, originPort, originPort)
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

    /** The calling hop of the mTLS pair: its cluster to the called hop presents a client SVID and checks the server's. */
    static String weftMtlsClient(int listenerPort, int adminPort, int serverPort, MeshCertificates certs) {
        return weft(listenerPort, adminPort, serverPort, serverPort)
                .replaceFirst("  - name: origin\n    connect_timeout: 1s\n",
                        "  - name: origin\n    connect_timeout: 1s\n"
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
        return "  - name: " + name + "\n"
                + "    connect_timeout: 1s\n"
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
