package dev.weft.proxy.route;

import static dev.weft.proxy.route.RouteFixtures.get;
import static dev.weft.proxy.route.RouteFixtures.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.proxy.config.ConfigException;
import org.junit.jupiter.api.Test;

class DomainMatchingTest {
    /** Each virtual host answers with a direct response whose route name is the virtual host's. */
    private static String vh(String name, String... domains) {
        return "{\"name\": \"" + name + "\", \"domains\": [\"" + String.join("\", \"", domains) + "\"],"
                + " \"routes\": [{\"name\": \"" + name + "\", \"match\": {\"prefix\": \"/\"}, \"direct_response\": {\"status\": 200}}]}";
    }

    private static RouteTable hosts(String... vhs) throws ConfigException {
        return table("{\"virtual_hosts\": [" + String.join(",", vhs) + "]}");
    }

    private static String hostFor(RouteTable t, String authority) {
        RouteEntry e = t.match(get(authority, "/"));
        return e == null ? null : e.name();
    }

    @Test
    void exactBeatsSuffixBeatsPrefixBeatsDefault() throws Exception {
        // given
        RouteTable t = hosts(
                vh("exact", "api.foo.com"),
                vh("suffix", "*.foo.com"),
                vh("prefix", "api.*"),
                vh("default", "*"));

        // then
        assertThat(hostFor(t, "api.foo.com")).isEqualTo("exact");
        assertThat(hostFor(t, "web.foo.com")).isEqualTo("suffix");
        assertThat(hostFor(t, "api.bar.org")).isEqualTo("prefix");
        assertThat(hostFor(t, "other.org")).isEqualTo("default");
    }

    @Test
    void longestWildcardWins() throws Exception {
        // given
        RouteTable t = hosts(
                vh("short-suffix", "*.com"),
                vh("long-suffix", "*-bar.foo.com"),
                vh("short-prefix", "a.*"),
                vh("long-prefix", "a.b.*"));

        // then
        assertThat(hostFor(t, "baz-bar.foo.com")).isEqualTo("long-suffix");
        assertThat(hostFor(t, "baz.foo.com")).isEqualTo("short-suffix");
        assertThat(hostFor(t, "a.b.c")).isEqualTo("long-prefix");
        assertThat(hostFor(t, "a.c")).isEqualTo("short-prefix");
    }

    @Test
    void wildcardDoesNotMatchTheEmptyString() throws Exception {
        // given
        RouteTable t = hosts(vh("suffix", "*-bar.foo.com"), vh("prefix", "foo-*"));

        // then
        assertThat(hostFor(t, "-bar.foo.com")).isNull();
        assertThat(hostFor(t, "x-bar.foo.com")).isEqualTo("suffix");
        assertThat(hostFor(t, "foo-")).isNull();
        assertThat(hostFor(t, "foo-x")).isEqualTo("prefix");
    }

    @Test
    void matchingIgnoresCase() throws Exception {
        // given
        RouteTable t = hosts(vh("exact", "API.Foo.com"), vh("suffix", "*.Bar.com"));

        // then
        assertThat(hostFor(t, "api.FOO.com")).isEqualTo("exact");
        assertThat(hostFor(t, "X.BAR.COM")).isEqualTo("suffix");
    }

    @Test
    void portIsTriedAsGivenThenStripped() throws Exception {
        // given
        RouteTable t = hosts(
                vh("with-port", "foo.com:8080"),
                vh("without-port", "foo.com"),
                vh("suffix", "*.bar.com"),
                vh("v6", "[::1]"));

        // then
        assertThat(hostFor(t, "foo.com:8080")).isEqualTo("with-port");
        assertThat(hostFor(t, "foo.com:9090")).isEqualTo("without-port");
        assertThat(hostFor(t, "a.bar.com:443")).isEqualTo("suffix");
        assertThat(hostFor(t, "[::1]:8080")).isEqualTo("v6");
    }

    @Test
    void exactDomainWithoutPortBeatsPrefixWildcardMatchingThePort() throws Exception {
        // given: "foo.*" would match "foo.com:8080" as given
        RouteTable t = hosts(vh("prefix", "foo.*"), vh("exact", "foo.com"));

        // then
        assertThat(hostFor(t, "foo.com:8080")).isEqualTo("exact");
    }

    @Test
    void ignorePortInHostMatchingNeverMatchesADomainWithPort() throws Exception {
        // given
        RouteTable t = table("{\"ignore_port_in_host_matching\": true, \"virtual_hosts\": ["
                + vh("with-port", "foo.com:8080") + "," + vh("without-port", "foo.com") + "]}");

        // then
        assertThat(hostFor(t, "foo.com:8080")).isEqualTo("without-port");
    }

    @Test
    void noMatchingVirtualHostGivesNull() throws Exception {
        // given
        RouteTable t = hosts(vh("a", "a.com"));

        // then
        assertThat(hostFor(t, "b.com")).isNull();
        assertThat(hostFor(t, null)).isNull();
    }

    @Test
    void aLoneWildcardVirtualHostTakesEveryAuthority() throws Exception {
        // given
        RouteTable t = hosts(vh("all", "*"));

        // then
        assertThat(hostFor(t, "a.com")).isEqualTo("all");
        assertThat(hostFor(t, "127.0.0.1:19401")).isEqualTo("all");
        assertThat(hostFor(t, "[::1]:80")).isEqualTo("all");
        assertThat(hostFor(t, null)).isEqualTo("all");
    }

    @Test
    void requestWithoutHostGoesToTheDefault() throws Exception {
        // given
        RouteTable t = hosts(vh("a", "a.com"), vh("default", "*"));

        // then
        assertThat(hostFor(t, null)).isEqualTo("default");
    }

    @Test
    void manyVirtualHostsResolveByHash() throws Exception {
        // given
        String[] vhs = new String[2000];
        for (int i = 0; i < vhs.length; i++) {
            vhs[i] = vh("vh" + i, "svc" + i + ".mesh.local", "svc" + i + ".*");
        }
        RouteTable t = hosts(vhs);

        // then
        assertThat(hostFor(t, "svc1234.mesh.local")).isEqualTo("vh1234");
        assertThat(hostFor(t, "svc1999.other")).isEqualTo("vh1999");
    }

    @Test
    void duplicateDomainAcrossVirtualHostsIsRejected() {
        assertThatThrownBy(() -> hosts(vh("a", "a.com", "b.com"), vh("b", "c.com", "B.com")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).path()).isEqualTo("virtual_hosts[1].domains[1]"))
                .hasMessageContaining("already used by virtual host 'a'");
    }

    @Test
    void secondDefaultIsRejected() {
        assertThatThrownBy(() -> hosts(vh("a", "*"), vh("b", "*")))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).path()).isEqualTo("virtual_hosts[1].domains[0]"));
    }
}
