# Sourced by scripts that need a local S3-compatible server: starts S3Proxy (filesystem backend)
# on 127.0.0.1 with random credentials in the environment, stops it on exit.
#   s3proxy_start DATA_DIR   -> sets S3_PORT, exports AWS_*; a bucket is a directory of DATA_DIR
#   S3A_SETTINGS (array of hadoop key=value) and S3A_CONF (the same as --conf spark.hadoop.*)
s3proxy_start() {
  local data=$1 root jar
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  jar="$root/target/s3proxy/s3proxy.jar"
  [[ -f "$jar" ]] || (cd "$root" && mvn -B -q generate-test-resources)
  mkdir -p "$data"
  S3_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export AWS_ACCESS_KEY_ID="local-$RANDOM$RANDOM" AWS_SECRET_ACCESS_KEY="secret-$RANDOM$RANDOM$RANDOM"
  export AWS_REGION=us-east-1
  cat > "$data/../s3proxy.properties" <<P
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$AWS_ACCESS_KEY_ID
s3proxy.credential=$AWS_SECRET_ACCESS_KEY
jclouds.provider=filesystem
jclouds.filesystem.basedir=$data
P
  java -jar "$jar" --properties "$data/../s3proxy.properties" >"$data/../s3proxy.log" 2>&1 &
  S3_PID=$!
  trap 'kill $S3_PID 2>/dev/null || true' EXIT
  until (echo >/dev/tcp/127.0.0.1/"$S3_PORT") 2>/dev/null; do sleep 0.2; done
  S3A_SETTINGS=(fs.s3a.endpoint=http://127.0.0.1:$S3_PORT fs.s3a.endpoint.region=us-east-1
    fs.s3a.path.style.access=true fs.s3a.connection.ssl.enabled=false
    fs.s3a.directory.marker.retention=keep)
  S3A_CONF=()
  for kv in "${S3A_SETTINGS[@]}"; do S3A_CONF+=(--conf "spark.hadoop.$kv"); done
}
