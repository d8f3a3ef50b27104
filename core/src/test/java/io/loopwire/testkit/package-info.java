/** Test helpers shared by every module's tests through core's test-jar: external processes. */
package io.loopwire.testkit;
