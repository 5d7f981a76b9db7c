// The upload page: one POST /api/documents per file, with its progress and outcome.
"use strict";

const STATUS = {
  ingested: "đã nạp", replaced: "đã cập nhật", unchanged: "không đổi", skipped: "bỏ qua", failed: "lỗi",
};

function row(file) {
  const tr = document.createElement("tr");
  const name = document.createElement("td");
  name.textContent = file.name;
  const progress = document.createElement("progress");
  progress.max = 100;
  progress.value = 0;
  const bar = document.createElement("td");
  bar.append(progress);
  const outcome = document.createElement("td");
  outcome.className = "outcome";
  outcome.textContent = "đang chờ";
  tr.append(name, bar, outcome);
  return { tr, progress, outcome };
}

function show(outcome, text, key, failed) {
  outcome.textContent = text;
  outcome.classList.toggle("error", failed);
  if (key) {
    const link = document.createElement("a");
    link.href = "/document/" + key;
    link.textContent = key;
    outcome.append(" — ", link);
  }
}

function send(file, token, line) {
  return new Promise((resolve) => {
    const body = new FormData();
    body.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/documents");
    xhr.setRequestHeader("Authorization", "Bearer " + token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) line.progress.value = Math.round((90 * e.loaded) / e.total);
      if (e.loaded === e.total) line.outcome.textContent = "đang xử lý…";
    };
    xhr.onload = () => {
      line.progress.value = 100;
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (data && data.files && data.files.length) {
        const f = data.files[0];
        const text = (STATUS[f.status] || f.status) + (f.reason ? ": " + f.reason : "");
        show(line.outcome, text, f.key, f.status === "failed" || f.status === "skipped");
      } else {
        const message = data && data.error ? data.error.message : "máy chủ trả lời " + xhr.status;
        show(line.outcome, "lỗi: " + message, null, true);
      }
      resolve();
    };
    xhr.onerror = () => { show(line.outcome, "lỗi: mất kết nối tới máy chủ", null, true); resolve(); };
    xhr.send(body);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload");
  const token = document.getElementById("token");
  token.value = sessionStorage.getItem("vnkg-write-token") || "";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem("vnkg-write-token", token.value);
    const table = document.getElementById("uploads");
    const body = table.querySelector("tbody");
    table.hidden = false;
    const files = Array.from(document.getElementById("files").files);
    const lines = files.map((file) => { const line = row(file); body.append(line.tr); return line; });
    for (let i = 0; i < files.length; i += 1) {
      await send(files[i], token.value, lines[i]);
    }
  });
});
