package dev.weft.proxy.rbac;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.netty.util.NetUtil;
import java.net.InetAddress;

/** A compiled CidrRange: an address matches when its first prefix_len bits equal the range's. Immutable. */
final class CidrMatcher {
    private final byte[] prefix;
    private final int bits;

    private CidrMatcher(byte[] prefix, int bits) {
        this.prefix = prefix;
        this.bits = bits;
    }

    /** {@code path} names the CidrRange. */
    static CidrMatcher compile(CidrRange range, String path) throws ConfigException {
        String address = range.getAddressPrefix();
        if (address.isEmpty()) {
            throw new ConfigException(path + ".address_prefix", "is required");
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) {
            throw new ConfigException(path + ".address_prefix", "\"" + address + "\" is not an IP address");
        }
        int max = bytes.length * 8;
        // As Envoy: prefix_len defaults to 0, which matches every address of the range's family.
        long len = range.hasPrefixLen() ? Integer.toUnsignedLong(range.getPrefixLen().getValue()) : 0;
        if (len > max) {
            throw new ConfigException(path + ".prefix_len", "must be 0-" + max + " for " + address + ", got " + len);
        }
        return new CidrMatcher(bytes, (int) len);
    }

    /** Whether {@code address} is in the range; an address of the other family never is (an IPv4-mapped IPv6 address counts as IPv4). */
    boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = address.getAddress();
        int offset = 0;
        if (a.length != prefix.length) {
            if (prefix.length == 4 && isIpv4Mapped(a)) {
                offset = 12;
            } else {
                return false;
            }
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (a[offset + i] != prefix[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[offset + full] & mask) == (prefix[full] & mask);
    }

    private static boolean isIpv4Mapped(byte[] a) {
        if (a.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }
}
