package dev.weft.controlplane.identity;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The names the control plane's certificate carries besides its SPIFFE ID, so that clients which check a host name
 * (curl, {@code openssl s_client -verify_hostname}, the CLI) accept it at the address they were given.
 */
record ServingNames(List<String> dnsNames, List<InetAddress> addresses) {

    ServingNames {
        dnsNames = List.copyOf(dnsNames);
        addresses = List.copyOf(addresses);
    }

    /**
     * {@code localhost}, each bind host that is a name, each bind host that is an IP address; a wildcard address
     * (0.0.0.0, ::) stands for the loopback addresses and the addresses of every interface that is up.
     *
     * @throws IllegalArgumentException when a bind host is an invalid address
     */
    static ServingNames of(List<String> bindHosts) {
        Set<String> dnsNames = new LinkedHashSet<>();
        dnsNames.add("localhost");
        Set<InetAddress> addresses = new LinkedHashSet<>();
        for (String host : bindHosts) {
            if (!isIpLiteral(host)) {
                dnsNames.add(host.toLowerCase(Locale.ROOT));
                continue;
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("bind address " + host + " is not a valid IP address", e);
            }
            if (address.isAnyLocalAddress()) {
                addresses.addAll(localAddresses());
            } else {
                addresses.add(address);
            }
        }
        return new ServingNames(new ArrayList<>(dnsNames), new ArrayList<>(addresses));
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private static List<InetAddress> localAddresses() {
        List<InetAddress> result = new ArrayList<>();
        result.add(InetAddress.getLoopbackAddress());
        try {
            for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!network.isUp()) {
                    continue;
                }
                for (InetAddress address : Collections.list(network.getInetAddresses())) {
                    // a link-local IPv6 address carries a scope that a certificate cannot name
                    if (!address.isLinkLocalAddress()) {
                        result.add(address);
                    }
                }
            }
        } catch (SocketException e) {
            // the loopback address alone still serves local clients
        }
        return result;
    }
}
