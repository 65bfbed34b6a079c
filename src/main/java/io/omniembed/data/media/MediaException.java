package io.omniembed.data.media;

/** Media that cannot be turned into patches; the message says why, for the error output. */
public final class MediaException extends Exception {

  private static final long serialVersionUID = 1L;

  public MediaException(String reason) {
    super(reason);
  }

  public MediaException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
