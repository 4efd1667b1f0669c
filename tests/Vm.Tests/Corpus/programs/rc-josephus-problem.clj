;; Source: Rosetta Code, task "Josephus problem" (https://rosettacode.org/wiki/Josephus_problem), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Josephus-problem/Clojure/josephus-problem.clj
;;   (commit 0197311ca5625b4d65b7ed1f941c92e1a7b98b58).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-josephus-problem; the top-level forms that print or show a result are in -main.
(ns corpus.rc-josephus-problem)

(defn rotate [n s] (lazy-cat (drop n s) (take n s)))

(defn josephus [n k]
   (letfn [(survivor [[ h & r :as l] k]
             (cond (empty? r) h
                   :else      (survivor (rest (rotate (dec k) l)) k)))]
     (survivor (range n) k)))

(defn -main []
  (let [n 41 k 3]
     (println (str "Given " n " prisoners in a circle numbered 1.." n
                   ", an executioner moving around the"))
     (println (str "circle " k " at a time will leave prisoner number "
                   (inc (josephus n k)) " as the last survivor."))))
