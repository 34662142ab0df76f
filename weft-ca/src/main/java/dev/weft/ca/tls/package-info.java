/**
 * JSSE pieces shared by the control plane and the proxy: {@link dev.weft.ca.tls.RotatingKeyManager} presents a
 * certificate that is renewed while handshakes run, {@link dev.weft.ca.tls.RoleTrustManager} routes the JSSE
 * callbacks to one client check and one server check, and {@link dev.weft.ca.tls.ControlPlaneTrustManager} accepts
 * only the control plane's SVID.
 */
package dev.weft.ca.tls;
