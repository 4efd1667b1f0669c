;; Source: Rosetta Code, task "Word wrap" (https://rosettacode.org/wiki/Word_wrap), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Word-wrap/Clojure/word-wrap-1.clj
;;   (commit 776bba907cb98b272d5021a38dfb8d04976ab102).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-word-wrap; -main wraps the task's text at 72 and 40 columns; clojure.string required.
(ns corpus.rc-word-wrap
  (:require [clojure.string]))

;; Wrap line naive version
(defn wrap-line [size text]
  (loop [left size line [] lines []
         words (clojure.string/split text #"\s+")]
    (if-let [word (first words)]
      (let [wlen (count word)
            spacing (if (== left size) "" " ")
            alen (+ (count spacing) wlen)]
        (if (<= alen left)
          (recur (- left alen) (conj line spacing word) lines (next words))
          (recur (- size wlen) [word] (conj lines (apply str line)) (next words))))
      (when (seq line)
        (conj lines (apply str line))))))

(defn -main []
  (let [text "In olden times when wishing still helped one, there lived a king whose daughters were all beautiful, but the youngest was so beautiful that the sun itself, which has seen so much, was astonished whenever it shone in her face."]
    (doseq [width [72 40]]
      (doseq [line (wrap-line width text)]
        (println line))
      (println))))
