// Progressive enhancement only: every action works without this file.
// - "Reply" moves the comment form under the comment instead of opening the
//   reply page.
// - The comment box counts characters as the limit nears.
(function () {
  "use strict";
  var LIMIT = 10000;

  function setUpInlineReplies(form) {
    var home = document.createComment("comment-form-home");
    form.parentNode.insertBefore(home, form);
    var replyTo = form.querySelector("input[name=reply_to]");
    var banner = form.querySelector(".replying-to");
    var heading = form.querySelector("#comment-form-heading");
    var headingText = heading ? heading.textContent : "";

    function cancel() {
      replyTo.value = "";
      banner.hidden = true;
      if (heading) heading.textContent = headingText;
      home.parentNode.insertBefore(form, home.nextSibling);
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest("a.reply-link[data-reply-to]");
      if (!link) return;
      event.preventDefault();
      var comment = link.closest("article.comment");
      replyTo.value = link.getAttribute("data-reply-to");
      banner.querySelector(".replying-to-name").textContent =
        link.getAttribute("data-reply-name");
      banner.hidden = false;
      if (heading) heading.textContent = "Reply to " + link.getAttribute("data-reply-name");
      link.closest(".comment-actions").after(form);
      form.querySelector("textarea").focus();
    });
    banner.querySelector(".cancel-reply").addEventListener("click", cancel);
  }

  function setUpCounter(textarea) {
    var counter = document.createElement("span");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    textarea.after(counter);
    function update() {
      var left = LIMIT - Array.from(textarea.value).length;
      counter.textContent = left < 1000 ? left + " characters left" : "";
      counter.classList.toggle("over", left < 0);
    }
    textarea.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("comment-form");
    if (form && form.querySelector("input[name=reply_to]") && !form.querySelector("input[name=reply_to]").value) {
      setUpInlineReplies(form);
    }
    document.querySelectorAll(".comment-form textarea").forEach(setUpCounter);
  });
})();
