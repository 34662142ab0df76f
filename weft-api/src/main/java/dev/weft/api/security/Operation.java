package dev.weft.api.security;

import java.util.List;

/**
 * What a request asks for: it matches when every field that is set matches (each field's values are ORed, a
 * {@code not*} field matches when none of its values does).
 *
 * @param hosts the request's host ({@code Host} / {@code :authority}), case-insensitive, any port; each a
 *              {@link Wildcard}
 * @param ports the port the request arrived at: the sidecar's inbound port
 * @param methods HTTP methods, exact and case-sensitive ({@code GET}); a gRPC call is always {@code POST}
 * @param paths request paths without the query string, each a {@link Wildcard}
 */
public record Operation(List<String> hosts, List<String> notHosts, List<Integer> ports, List<Integer> notPorts,
                        List<String> methods, List<String> notMethods, List<String> paths, List<String> notPaths) {

    public Operation {
        hosts = Source.copy(hosts);
        notHosts = Source.copy(notHosts);
        ports = ports == null ? List.of() : List.copyOf(ports);
        notPorts = notPorts == null ? List.of() : List.copyOf(notPorts);
        methods = Source.copy(methods);
        notMethods = Source.copy(notMethods);
        paths = Source.copy(paths);
        notPaths = Source.copy(notPaths);
    }
}
