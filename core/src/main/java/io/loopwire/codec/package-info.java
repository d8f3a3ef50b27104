/**
 * Framers that cut a TCP byte stream into frames (lines, raw reads, length-prefixed), bounded by a maximum
 * frame size. Depends on the JDK only.
 */
package io.loopwire.codec;
