/**
 * Typed, immutable configuration records with their defaults and validation, loaded from HOCON.
 * Architecture presets live as data under {@code conf/models/} and are packaged in the jar; an
 * unknown key is an error, never a silent default.
 */
package io.omniembed.config;
