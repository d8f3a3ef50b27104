/**
 * Framers that cut a TCP byte stream into frames (lines, raw reads, length-prefixed), bounded by a maximum
 * frame size. Uses: nothing of loopwire.
 */
package io.loopwire.codec;
