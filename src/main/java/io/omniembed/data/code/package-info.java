/** Code data from real sources: documented methods and, later, synthetic program transformations. */
package io.omniembed.data.code;
