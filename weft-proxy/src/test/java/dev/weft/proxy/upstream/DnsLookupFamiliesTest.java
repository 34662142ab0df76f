package dev.weft.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.proxy.config.BootstrapLoader;
import dev.weft.proxy.config.ConfigException;
import dev.weft.proxy.it.Bootstraps;

import io.envoyproxy.envoy.config.cluster.v3.Cluster.DnsLookupFamily;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** dns_lookup_family picks one address family per name (unless ALL), as Envoy does. */
class DnsLookupFamiliesTest {
    private static final InetAddress V4 = address("127.0.0.1");
    private static final InetAddress V4_OTHER = address("10.0.0.7");
    private static final InetAddress V6 = address("::1");

    /** What localhost resolves to on a dual-stack host, IPv4 first as the JDK orders it by default. */
    private static final InetAddress[] DUAL_STACK = {V4, V6, V4_OTHER};

    @Test
    void autoPrefersIpv6AndFallsBackToIpv4() {
        assertThat(DnsLookupFamilies.select(DnsLookupFamily.AUTO, DUAL_STACK)).containsExactly(V6);
        assertThat(DnsLookupFamilies.select(DnsLookupFamily.AUTO, new InetAddress[] {V4, V4_OTHER}))
                .containsExactly(V4, V4_OTHER);
    }

    @Test
    void v4PreferredKeepsOnlyIpv4WhenThereIsAny() {
        assertThat(DnsLookupFamilies.select(DnsLookupFamily.V4_PREFERRED, DUAL_STACK)).containsExactly(V4, V4_OTHER);
        assertThat(DnsLookupFamilies.select(DnsLookupFamily.V4_PREFERRED, new InetAddress[] {V6})).containsExactly(V6);
    }

    @Test
    void onlyFamiliesMayLeaveNothing() {
        assertThat(DnsLookupFamilies.select(DnsLookupFamily.V4_ONLY, DUAL_STACK)).containsExactly(V4, V4_OTHER);
        assertThat(DnsLookupFamilies.select(DnsLookupFamily.V6_ONLY, DUAL_STACK)).containsExactly(V6);
        assertThat(DnsLookupFamilies.select(DnsLookupFamily.V6_ONLY, new InetAddress[] {V4})).isEmpty();
    }

    @Test
    void allKeepsBothFamiliesInResolverOrder() {
        assertThat(DnsLookupFamilies.select(DnsLookupFamily.ALL, DUAL_STACK)).containsExactly(V4, V6, V4_OTHER);
    }

    @Test
    void anUnknownFamilyIsAConfigErrorNamingTheField() {
        String cluster = Bootstraps.cluster("backend", false, "dns_lookup_family: 9", 8080);

        assertThatThrownBy(() -> BootstrapLoader.parse(Bootstraps.of(Bootstraps.routeTo("backend", ""), cluster), "b.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("static_resources.clusters[0].dns_lookup_family: value 9 is not supported");
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
