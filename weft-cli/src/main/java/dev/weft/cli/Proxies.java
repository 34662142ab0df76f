package dev.weft.cli;

import dev.weft.controlplane.client.ControlPlaneClient;
import dev.weft.controlplane.client.ProxyInfo;
import java.io.IOException;
import java.util.List;

/** Finds one connected proxy by what a user types: its node id, or its service ({@code chat} or {@code chat.default}). */
final class Proxies {
    private Proxies() {}

    /**
     * The proxy {@code name} names: the one whose node id it is, else the only one of that service.
     *
     * @throws CliException when none or several match, listing what would
     */
    static ProxyInfo find(ControlPlaneClient client, String name) throws IOException, CliException {
        List<ProxyInfo> proxies = client.proxies();
        for (ProxyInfo p : proxies) {
            if (p.id().equals(name)) {
                return p;
            }
        }
        List<ProxyInfo> byService = proxies.stream().filter(p -> p.service() != null
                && (name.equals(p.service()) || name.equals(p.service() + "." + p.namespace()))).toList();
        if (byService.size() == 1) {
            return byService.get(0);
        }
        if (byService.isEmpty()) {
            throw new CliException("no connected proxy is named " + name + " (connected: "
                    + (proxies.isEmpty() ? "none" : String.join(", ", proxies.stream().map(ProxyInfo::id).toList()))
                    + "; see weft proxy-status)");
        }
        throw new CliException(byService.size() + " proxies serve " + name + "; name one: "
                + String.join(", ", byService.stream().map(ProxyInfo::id).toList()));
    }
}
