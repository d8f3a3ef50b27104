/**
 * The wire contract both sides share, written once: the binary probe packet ({@link io.loopwire.wire.ProbePacket}),
 * the text {@code ping} ({@link io.loopwire.wire.Ping}) and how a peer is named ({@link io.loopwire.wire.PeerName}).
 * Depends on the JDK only, so {@code relay} (the echo side) and the prober both use it without either importing the
 * other. Uses: nothing of loopwire.
 */
package io.loopwire.wire;
