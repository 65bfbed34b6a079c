package io.omniembed.data.multimodal;

import java.util.Map;

/**
 * An image with its names: {@code names} maps a language code to the name in that language
 * ({@code en} always present).
 *
 * @param key    stable identity (hashing decides the train/validation split)
 * @param source the collection it comes from (emoji, flags, fashion-mnist)
 * @param png    the image file's bytes
 */
public record NamedImage(String key, String source, byte[] png, Map<String, String> names) {}
